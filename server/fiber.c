/*
 * fiber.c - fibers on glibc's ucontext (makecontext, swapcontext), with the
 * AddressSanitizer's fiber annotations so that `make asan` follows the stack
 * switches.
 */
#include "fiber.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "common.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define FIBER_ASAN 1
#define STACK_SIZE (1024 * 1024) /* instrumented frames are larger */
#else
#define FIBER_ASAN 0
#define STACK_SIZE (256 * 1024)
#endif

struct fiber {
	ucontext_t ctx;
	char *map; /* the guard page, then the stack */
	size_t map_len;
	void (*fn)(void *arg);
	void *arg;
	int fd; /* what it waits for: fd < 0 for nothing */
	short events;
	void *fake_stack; /* ASan's, while the fiber is switched out */
};

static _Thread_local struct fiber *running;
static _Thread_local ucontext_t thread_ctx;
#if FIBER_ASAN
static _Thread_local const void *thread_stack_bottom;
static _Thread_local size_t thread_stack_size;
#endif

static void fiber_entry(void)
{
	struct fiber *f = running;
#if FIBER_ASAN
	/* learns where the thread's own stack is, to switch back to it */
	__sanitizer_finish_switch_fiber(NULL, &thread_stack_bottom, &thread_stack_size);
#endif
	f->fn(f->arg);
	abort(); /* fn never returns */
}

struct fiber *fiber_new(void (*fn)(void *arg), void *arg)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct fiber *f = xcalloc(1, sizeof *f);
	f->map_len = STACK_SIZE + page;
	f->map = mmap(NULL, f->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (f->map == MAP_FAILED) {
		free(f);
		return NULL;
	}
	/* an overflow faults on the guard page instead of writing over memory */
	if (mprotect(f->map, page, PROT_NONE) != 0 || getcontext(&f->ctx) != 0) {
		munmap(f->map, f->map_len);
		free(f);
		return NULL;
	}
	f->ctx.uc_stack.ss_sp = f->map + page;
	f->ctx.uc_stack.ss_size = STACK_SIZE;
	f->ctx.uc_link = NULL;
	f->fn = fn;
	f->arg = arg;
	f->fd = -1;
	makecontext(&f->ctx, fiber_entry, 0);
	return f;
}

void fiber_free(struct fiber *f)
{
	if (f == NULL)
		return;
	munmap(f->map, f->map_len);
	free(f);
}

void fiber_resume(struct fiber *f)
{
	void *fake = NULL;
	running = f;
	f->fd = -1;
#if FIBER_ASAN
	__sanitizer_start_switch_fiber(&fake, f->ctx.uc_stack.ss_sp, f->ctx.uc_stack.ss_size);
#endif
	if (swapcontext(&thread_ctx, &f->ctx) != 0)
		abort();
#if FIBER_ASAN
	__sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
	(void)fake;
	running = NULL;
}

void fiber_yield(void)
{
	struct fiber *f = running;
	if (f == NULL)
		return;
#if FIBER_ASAN
	__sanitizer_start_switch_fiber(&f->fake_stack, thread_stack_bottom, thread_stack_size);
#endif
	if (swapcontext(&f->ctx, &thread_ctx) != 0)
		abort();
#if FIBER_ASAN
	__sanitizer_finish_switch_fiber(f->fake_stack, &thread_stack_bottom, &thread_stack_size);
#endif
}

struct fiber *fiber_current(void)
{
	return running;
}

void fiber_wait(int fd, short events)
{
	struct fiber *f = running;
	if (f == NULL || fd < 0)
		return;
	f->fd = fd;
	f->events = events;
	fiber_yield();
}

bool fiber_waiting(const struct fiber *f, int *fd, short *events)
{
	if (f->fd < 0)
		return false;
	*fd = f->fd;
	*events = f->events;
	return true;
}
