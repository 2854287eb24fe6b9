// SPDX-License-Identifier: MIT
/** @file replay_driver.c  Runs a libFuzzer entry point on files or stdin
 *
 * Linked with a fuzz target into build/san/replay/<target> (gcc, ASan +
 * UBSan): `replay FILE...` replays a corpus, `replay < input` reads one
 * input from stdin, which is also how AFL++ (afl-fuzz -- replay) drives it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT (1u << 20)

static int run_stream(FILE *f, const char *name)
{
	uint8_t *buf = malloc(MAX_INPUT);
	size_t n;

	if (!buf)
		return 1;
	n = fread(buf, 1, MAX_INPUT, f);
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", name);
		free(buf);
		return 1;
	}
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int i, n = 0;

	if (argc < 2)
		return run_stream(stdin, "stdin");
	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");

		if (!f) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
				strerror(errno));
			return 1;
		}
		if (run_stream(f, argv[i])) {
			fclose(f);
			return 1;
		}
		fclose(f);
		n++;
	}
	printf("replayed %d inputs\n", n);
	return 0;
}
