// SPDX-License-Identifier: MIT
/** @file fork.c  Parallel forking: the best final response of the forks */
#include "signalling/fork.h"

/* lower is better */
static int rank(int status)
{
	int r;

	if (status >= 600 && status < 700)
		return 0;
	if (status < 300 || status >= 700)
		return 1000;		/* not a failure: never chosen */
	r = status / 100 * 10;
	switch (status) {
	case 486:			/* busy: the caller may try again */
		return r;
	case 401: case 407: case 415: case 420: case 484:
		return r + 1;
	case 408: case 480: case 487:	/* nobody answered */
		return r + 3;
	default:
		return r + 2;
	}
}

/** Final response @p status (300..699) is better for the caller than
 *  @p best (0: none yet). A tie keeps the first. */
bool fork_better(int status, int best)
{
	if (!best)
		return rank(status) < 1000;
	return rank(status) < rank(best);
}

/** The better of @p best (0: none) and @p status. */
int fork_best(int best, int status)
{
	return fork_better(status, best) ? status : best;
}
