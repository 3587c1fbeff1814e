/*
 * fiber.h - cooperative fibers on one thread (glibc's ucontext): a worker
 * thread keeps several transactions in flight by running each request on a
 * fiber of its own, which yields the thread while it waits for PostgreSQL
 * (db.c calls fiber_wait) so that the thread's other fibers run meanwhile.
 *
 * A fiber runs only when its thread resumes it (fiber_resume) and gives the
 * thread back only by waiting or yielding: nothing else interleaves with it, so
 * code between two waits needs no locks against the thread's other fibers
 * (but a mutex must never be held across a wait).
 */
#ifndef TECHEX_FIBER_H
#define TECHEX_FIBER_H

#include <stdbool.h>

struct fiber;

/* A fiber that will run fn(arg) when first resumed, on a stack of its own
 * (with a guard page). fn never returns: it yields when it is done. NULL when
 * the stack cannot be mapped. */
struct fiber *fiber_new(void (*fn)(void *arg), void *arg);

/* Frees a fiber that is not running (it will never run again). */
void fiber_free(struct fiber *f);

/* From the thread's own stack: runs f until it waits or yields. */
void fiber_resume(struct fiber *f);

/* From inside a fiber: back to the thread's own stack, to be resumed later. */
void fiber_yield(void);

/* The fiber running now on this thread; NULL on the thread's own stack. */
struct fiber *fiber_current(void);

/* Waits until fd is ready for events (POLLIN, POLLOUT): inside a fiber, it
 * records what it waits for and yields, and the thread resumes it when poll()
 * says so (fiber_waiting); elsewhere it returns at once and the caller blocks
 * in its own call as before. */
void fiber_wait(int fd, short events);

/* What a fiber that yielded in fiber_wait waits for; false when it waits for
 * nothing (it finished, or yielded to be resumed at once). */
bool fiber_waiting(const struct fiber *f, int *fd, short *events);

#endif
