/* SPDX-License-Identifier: MIT */
/** @file idle.h  How the RT CPUs wait: polling rather than halting
 *
 * An idle CPU halts; the next task release then waits for it to wake up
 * first: 10-100 us on a virtual machine, where a halted virtual CPU is
 * descheduled by the host. The RT partition's CPUs are only ever idle
 * between releases, so they are kept polling instead: each gets a per-CPU
 * PM QoS wake-up latency of 0 ("n/a" in
 * <dir>/cpuN/power/pm_qos_resume_latency_us), with which every cpuidle
 * governor picks the polling state. Linux's CPUs keep their idle states.
 * At the end the CPUs get back the kernel's default: no constraint ("0").
 */
#ifndef RTK_IDLE_H
#define RTK_IDLE_H

#include <sched.h>

#define RTK_IDLE_SYSFS	"/sys/devices/system/cpu"

int  rtk_idle_poll(const cpu_set_t *cpus, const char *dir);
void rtk_idle_release(const cpu_set_t *cpus, const char *dir);

#endif /* RTK_IDLE_H */
