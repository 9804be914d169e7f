#ifndef CONTAIN_PLAN_WIRE_H
#define CONTAIN_PLAN_WIRE_H
// Private to CContainChild: the sandbox child's side of contain_send_plan (plan_wire.c).
#include "contain_child.h"

/// Receives a plan sent by contain_send_plan on `fd`: the descriptors it names land in this process,
/// and the plan is laid out in memory of its own (mmap) with every pointer and descriptor fixed up.
/// Returns 0, or an errno: EPIPE when the supervisor closed the socket without sending a plan (it failed
/// before launching, or died), EPROTO for a malformed message. `*report_fd` is the report pipe as soon as
/// the descriptors arrived (-1 before), so a malformed plan can still be reported.
/// Async-signal-safe: raw syscalls and stack memory only, as everything the child runs.
int contain_wire_receive(int fd, const struct contain_plan **out, int *report_fd);
#endif
