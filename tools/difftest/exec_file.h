/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The files IOAS_MAP_FILE and DMABUF_REVOKE name (op->nr): shared by the
 * grammar (gen_file.c) and run mode (exec_file.c).
 */
#ifndef DIFFTEST_EXEC_FILE_H
#define DIFFTEST_EXEC_FILE_H

enum dt_file {
	DT_FILE_DMABUF0,	/* dma-buf slots 0 and 1 (DMABUF_GET's out) */
	DT_FILE_DMABUF1,
	DT_FILE_MEMFD,		/* the memfd behind DT_BUF_MEMFD */
	DT_FILE_HUGETLB,	/* a 2 MiB hugetlb memfd of two pages, where one can be made */
	DT_FILE_NONE,		/* fd -1 */
	DT_FILE_OTHER,		/* a file that is neither memfd nor dma-buf: "/" */
};

#endif
