// SPDX-License-Identifier: MIT
/** @file faxpage.c  Fax documents for tests: write one, compare two
 *
 *   faxpage make FILE.tif [PAGES] [SEED]
 *   faxpage cmp SENT.tif RECEIVED.tif
 *
 * make writes PAGES (1) pages of test "text" drawn from SEED (1) as a fax
 * machine sends them (tests/unit/board/fax_page.h). cmp decodes both
 * files and compares them page by page and row by row, printing
 * "pages=A/B rows=N differing_rows=D size=WxH/WxH" (of the last page);
 * it exits 0 when the pages and every row are the same, 1 when not, 2
 * when a file cannot be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/board/fax_page.h"

int main(int argc, char **argv)
{
	struct fax_page_diff d;
	int ret;

	if (argc >= 3 && argc <= 5 && !strcmp(argv[1], "make")) {
		int pages = argc > 3 ? atoi(argv[3]) : 1;
		uint32_t seed = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 0)
					 : 1u;

		if (pages < 1 || pages > 20) {
			fprintf(stderr, "faxpage: 1 to 20 pages\n");
			return 2;
		}
		if (fax_page_make(argv[2], (unsigned)pages, seed)) {
			fprintf(stderr, "faxpage: cannot write %s\n", argv[2]);
			return 2;
		}
		return 0;
	}
	if (argc != 4 || strcmp(argv[1], "cmp")) {
		fprintf(stderr, "usage: faxpage make FILE.tif [PAGES] [SEED]\n"
			"       faxpage cmp SENT.tif RECEIVED.tif\n");
		return 2;
	}
	ret = fax_page_cmp(argv[2], argv[3], &d);
	if (ret < 0) {
		fprintf(stderr, "faxpage: %s or %s cannot be read\n", argv[2],
			argv[3]);
		return 2;
	}
	printf("pages=%d/%d rows=%d differing_rows=%d size=%ux%u/%ux%u\n",
	       d.pages_a, d.pages_b, d.rows, d.differing_rows, d.w_a, d.h_a,
	       d.w_b, d.h_b);
	return ret;
}
