/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What counts as a kernel report in the kernel log: the one definition, read
 * by scripts/dmesg-check (which fails a guest run on any, outside a test's
 * expected-fault bracket) and compiled into tools/difftest (whose
 * --kernel-only mode judges each sequence by the log it leaves).
 *
 * An extended regular expression over one log line, with or without dmesg's
 * "[ time] " prefix: a WARNING starts the kernel's message ("WARNING: CPU: 0
 * PID: 1 at ..." up to 6.x, "WARNING: drivers/x.c:12 at func..." in 7.x);
 * userspace writing into /dev/kmsg with a prefix of its own
 * ("virtme-ng-init: WARNING: ...") is not a report.
 */
#ifndef KERNEL_REPORT_H
#define KERNEL_REPORT_H

#define KERNEL_REPORT_RE "BUG:|(^|\\] )WARNING:|Oops|KASAN:|UBSAN:|kernel BUG|general protection fault|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|rcu_sched self-detected stall|INFO: task .* blocked"

#endif /* KERNEL_REPORT_H */
