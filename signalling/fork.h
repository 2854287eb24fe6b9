/* SPDX-License-Identifier: MIT */
/** @file fork.h  Parallel forking: which final response the caller gets
 *
 * A call to an extension rings all its registered contacts at once; when
 * every one of them fails, the caller gets the best of their final
 * responses, by the rules of RFC 3261 section 16.7 step 6: a 6xx wins;
 * else the lowest response class; within a class, the more useful answer
 * (busy before "no answer", a challenge or 484 before other failures).
 * Pure functions; context: any.
 */
#ifndef SIGNALLING_FORK_H
#define SIGNALLING_FORK_H

#include <stdbool.h>

bool fork_better(int status, int best);
int  fork_best(int best, int status);

#endif /* SIGNALLING_FORK_H */
