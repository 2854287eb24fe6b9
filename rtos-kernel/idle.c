// SPDX-License-Identifier: MIT
/** @file idle.c  How the RT CPUs wait: polling rather than halting */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rtos-kernel/idle.h"

/* write @p value to CPU @p cpu's resume latency constraint under @p dir */
static int put(const char *dir, int cpu, const char *value)
{
	char path[256];
	size_t len = strlen(value);
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/cpu%d/power/pm_qos_resume_latency_us",
		 dir, cpu);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/** Keep every CPU of @p cpus polling when idle (@p dir: RTK_IDLE_SYSFS, or
 *  a test's copy). @return 0, or the first negative errno (the other CPUs
 *  are still tried; a CPU that fails keeps its idle states) */
int rtk_idle_poll(const cpu_set_t *cpus, const char *dir)
{
	int first = 0;

	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		int err;

		if (!CPU_ISSET(cpu, cpus))
			continue;
		err = put(dir, cpu, "n/a");
		if (err && !first)
			first = err;
	}
	return first;
}

/** Give every CPU of @p cpus the kernel's default back: no constraint. */
void rtk_idle_release(const cpu_set_t *cpus, const char *dir)
{
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, cpus))
			(void)put(dir, cpu, "0");
}
