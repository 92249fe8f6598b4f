// SPDX-License-Identifier: GPL-2.0
/*
 * Description: replays fuzzer inputs (the committed seeds, and
 * tests/fuzz-regress/, one input per bug the fuzzer found) through the
 * fuzzer's own harness, fuzz/fuzz_mock.c, built without libFuzzer: every
 * invariant it checks holds after every call of every input. Needs no
 * clang; "make check" runs it.
 *
 *   fuzz_replay DIR|FILE...
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *g_current;

/* The harness aborts on a broken invariant: say which input did it. */
static void on_abort(int sig)
{
	(void)sig;
	fprintf(stderr, "not ok fuzz_replay: input %s\n", g_current);
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t size = 0, cap = 0, n;

	if (!f) {
		perror(path);
		return -1;
	}
	do {
		if (size == cap) {
			cap = cap ? cap * 2 : 65536;
			data = realloc(data, cap);
			if (!data) {
				fclose(f);
				return -1;
			}
		}
		n = fread(data + size, 1, cap - size, f);
		size += n;
	} while (n);
	fclose(f);
	g_current = path;
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	return 0;
}


int main(int argc, char **argv)
{
	unsigned int inputs = 0;

	signal(SIGABRT, on_abort);
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct dirent **names;
		int n = scandir(argv[i], &names, NULL, alphasort);

		if (n < 0) {
			if (replay_file(argv[i]))
				return 1;
			inputs++;
			continue;
		}
		for (int j = 0; j < n; j++) {
			char path[4096];

			if (names[j]->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", argv[i],
					 names[j]->d_name);
				if (replay_file(path))
					return 1;
				inputs++;
			}
			free(names[j]);
		}
		free(names);
	}
	printf("ok fuzz_replay: %u inputs, every invariant held\n", inputs);
	return 0;
}
