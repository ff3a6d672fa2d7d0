// SPDX-License-Identifier: GPL-2.0
/*
 * The hook's guarantees as a hostile review of the first version broke
 * them (issue 13): each test here failed on that version. What counts is
 * what a user sees: the errno, the simulator's executed counter and
 * last_in (what the firmware really ran), and the device's counters.
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "bpf_test.h"
#include "fwctl.h"
#include "fwctl/bpf.h"
#include "hook_policy.h"
#include "hook_test.h"
#include "policy.h"
#include "sim.h"
#include "sim_test.h"
#include "throw_policy.skel.h"
#include "nolink_policy.skel.h"

#define OBSERVE_OBJ "build/policies/generic__observe.bpf.o"

static void fwctl_name(int k, char *name)
{
	cr_assert_eq(sim_fwctl_name(k, name, 16), 0);
}

static long long counter(int k, const char *attr)
{
	char name[16];

	fwctl_name(k, name);
	return fwctl_bpf_attr(name, attr);
}

static void set_flags(struct hook_policy *skel, void *arg)
{
	cr_assert_eq(fwctl_policy_set_u32(skel->obj, "flags", (uint32_t)(uintptr_t)arg), 0);
}

static void set_device(struct hook_policy *skel, void *arg)
{
	set_flags(skel, (void *)(uintptr_t)FWCTL_BPF_F_DEV_INDEX);
	cr_assert_eq(fwctl_policy_set_u32(skel->obj, "dev_index", (uint32_t)(uintptr_t)arg), 0);
}

/* The site's real recorder, attached as operators attach it. */
struct object {
	struct bpf_object *obj;
	struct bpf_link *link;
};

static struct object object_attach(const char *path)
{
	struct object o = { .obj = bpf_object__open_file(path, NULL) };

	cr_assert(o.obj, "open %s", path);
	cr_assert_eq(bpf_object__load(o.obj), 0, "load %s", path);
	o.link = bpf_map__attach_struct_ops(fwctl_policy_ops_map(o.obj));
	cr_assert(o.link, "attach %s: %s", path, strerror(errno));
	return o;
}

static void object_del(struct object *o)
{
	bpf_link__destroy(o->link);
	bpf_object__close(o->obj);
}

TestSuite(review, .init = sim_restore, .fini = sim_restore);

/* Finding 1: only enforcing policies keep a fail-closed device open. */

Test(review, fail_closed_is_not_held_open_by_the_recorder_or_complain_mode)
{
	int k = sim_private_device(), fd = sim_open(k);
	struct object observe = object_attach(OBSERVE_OBJ);
	struct policy enforce, complain;
	char name[16];
	long long before;

	fwctl_name(k, name);
	cr_assert_eq(fwctl_bpf_attr_write(name, "fail_closed", "1"), 0);
	enforce = policy_verdict("enforce", 10, FWCTL_BPF_ALLOW);
	before = sim_executed(k);
	cr_assert_eq(nop(fd), 0, "an enforcing policy decides");
	cr_assert_eq(sim_executed(k), before + 1);

	policy_del(&enforce);
	complain = policy_add("complain", 10, set_flags, (void *)(uintptr_t)FWCTL_BPF_F_COMPLAIN);
	before = sim_executed(k);
	cr_assert_eq(nop(fd), -EPERM, "the recorder or a complain-mode policy kept it open");
	cr_assert_eq(nop(fd), -EPERM);
	cr_assert_eq(sim_executed(k), before, "an RPC reached the firmware");
	cr_assert_eq(complain.skel->bss->filter_calls, 2, "a complain-mode rollout saw nothing");
	cr_assert_eq(complain.skel->bss->done_calls, 2, "the trail still sees the rejections");
	cr_expect(complain.skel->bss->done_ctx.flags & FWCTL_BPF_RPC_FAIL_CLOSED);
	cr_expect_eq(complain.skel->bss->done_ctx.flags & FWCTL_BPF_RPC_REJECTED, 0,
		     "the hook decided, not a policy");
	cr_expect_eq(complain.skel->bss->done_ctx.policy_id, 0);
	policy_del(&complain);
	object_del(&observe);
	close(fd);
}

Test(review, complain_mode_records_the_objection_and_changes_nothing)
{
	struct policy p = policy_add("complain", 10, set_flags,
				     (void *)(uintptr_t)FWCTL_BPF_F_COMPLAIN);
	uint8_t ran[64];
	int fd = sim_open(0);
	long long before = sim_executed(0), would = counter(0, "would_reject");

	p.skel->data->verdict = -EACCES;
	p.skel->data->rewrite_off = 12;		/* refused: complain mode writes nothing */
	p.skel->bss->rewrite_val = 0xab;
	cr_assert_eq(nop(fd), 0, "a complain-mode rejection must not reject");
	cr_assert_eq(sim_executed(0), before + 1);
	cr_assert_geq(sim_last_in(0, ran, sizeof(ran)), 13);
	cr_assert_eq(ran[12], 0, "a complain-mode policy rewrote the request");
	cr_assert_eq(counter(0, "would_reject"), would + 1);
	cr_expect(p.skel->bss->done_ctx.flags & FWCTL_BPF_RPC_WOULD_REJECT);
	cr_expect_eq(p.skel->bss->done_ctx.flags & FWCTL_BPF_RPC_REJECTED, 0);
	policy_del(&p);
}

/* Finding 4: no plausible author mistake allows. */

static void assert_filter_verdict_rejects(int verdict)
{
	struct policy p = policy_verdict("bad", 10, verdict);
	int fd = sim_open(0);
	long long before = sim_executed(0), invalid = counter(0, "invalid");

	cr_assert_eq(nop(fd), -EPERM, "rpc_filter verdict %#x must reject with -EPERM", verdict);
	cr_assert_eq(sim_executed(0), before, "verdict %#x let the RPC through", verdict);
	cr_assert_eq(counter(0, "invalid"), invalid + 1);
	policy_del(&p);
}

Test(review, rpc_filter_mistakes_reject)
{
	assert_filter_verdict_rejects(EPERM);	/* the sign bug: was ALLOW */
	assert_filter_verdict_rejects(ENOENT);	/* was REPLY */
	assert_filter_verdict_rejects(0);
	assert_filter_verdict_rejects(0x12345678);
	assert_filter_verdict_rejects(FWCTL_BPF_ALLOW + 1);
	assert_filter_verdict_rejects((int)0x80000000);
}

static void set_done_ret(struct hook_policy *skel, void *arg)
{
	skel->data->done_ret = (int)(intptr_t)arg;
}

static void assert_done_verdict_withholds(int verdict)
{
	struct policy p = policy_add("bad_done", 10, set_done_ret, (void *)(intptr_t)verdict);
	uint8_t out[MBOX_HDR];
	uint32_t out_len = sizeof(out);
	int fd = sim_open(0);
	long long before = sim_executed(0), invalid = counter(0, "invalid");
	long long withheld = counter(0, "withheld");

	cr_assert_eq(send_nop(fd, out, &out_len), -EPERM,
		     "rpc_done verdict %#x must withhold with -EPERM", verdict);
	cr_assert_eq(sim_executed(0), before + 1, "rpc_done runs after the firmware");
	cr_assert_eq(counter(0, "invalid"), invalid + 1);
	cr_assert_eq(counter(0, "withheld"), withheld + 1);
	policy_del(&p);
}

Test(review, rpc_done_mistakes_withhold_the_response)
{
	assert_done_verdict_withholds(0);	/* was "release" */
	assert_done_verdict_withholds(1);	/* the old ALLOW */
	assert_done_verdict_withholds(FWCTL_BPF_REPLY);
	assert_done_verdict_withholds(0x12345678);
	assert_done_verdict_withholds(-ENOENT);
}

static void assert_throw_fails_closed(bool in_filter)
{
	struct throw_policy *skel = throw_policy__open_and_load();
	uint8_t out[MBOX_HDR];
	uint32_t out_len = sizeof(out);
	struct bpf_link *link;
	int fd = sim_open(0);
	long long before;

	cr_assert(skel, "load throw_policy: %s", strerror(errno));
	link = bpf_map__attach_struct_ops(skel->maps.throw_ops);
	cr_assert(link);
	cr_assert_eq(nop(fd), 0, "no throw: allowed");
	skel->bss->throw_in_filter = in_filter;
	skel->bss->throw_in_done = !in_filter;
	before = sim_executed(0);
	cr_assert_eq(send_nop(fd, out, &out_len), -EPERM, "bpf_throw(0) in %s",
		     in_filter ? "rpc_filter" : "rpc_done");
	cr_assert_eq(sim_executed(0), before + !in_filter);
	bpf_link__destroy(link);
	throw_policy__destroy(skel);
}

Test(review, bpf_throw_fails_closed_in_either_op)
{
	assert_throw_fails_closed(true);
	assert_throw_fails_closed(false);
}

Test(review, a_path_without_a_verdict_does_not_load)
{
	static char log[64 * 1024];

	cr_assert_lt(bpf_test_load_must_fail("fail_uninit_return", log, sizeof(log)), 0);
	cr_assert(strstr(log, "R0 !read_ok"), "%s", log);
}

/* Finding 5: the last policy sees the final request and response. */

static void set_rewrite(struct hook_policy *skel, void *arg)
{
	skel->data->rewrite_off = 12;
	skel->bss->rewrite_val = 0xab;
}

static void set_observe(struct hook_policy *skel, void *arg)
{
	skel->data->observe_off = 12;
}

Test(review, the_last_policy_decides_on_the_final_request_in_every_attach_order)
{
	int order, fd = sim_open(0);

	for (order = 0; order < 2; order++) {
		struct policy rw, last;

		if (order) {
			rw = policy_add("rewriter", 10, set_rewrite, NULL);
			last = policy_add("baseline", FWCTL_BPF_PRIO_LAST, set_observe, NULL);
		} else {
			last = policy_add("baseline", FWCTL_BPF_PRIO_LAST, set_observe, NULL);
			rw = policy_add("rewriter", 10, set_rewrite, NULL);
		}
		cr_assert_eq(nop(fd), 0);
		cr_assert_eq(last.skel->data->seen_byte, 0xab, "order %d: the baseline saw %d",
			     order, last.skel->data->seen_byte);
		policy_del(&rw);
		policy_del(&last);
	}
}

Test(review, a_policy_at_prio_last_cannot_rewrite)
{
	struct policy base = policy_add("baseline", FWCTL_BPF_PRIO_LAST, set_observe, NULL);
	struct policy late = policy_add("late", FWCTL_BPF_PRIO_LAST, set_rewrite, NULL);
	uint8_t ran[64];
	int fd = sim_open(0);
	long long before = sim_executed(0);

	/* the test policy rejects with -EINVAL when its writable view is NULL */
	cr_assert_eq(nop(fd), -EINVAL);
	cr_assert_eq(sim_executed(0), before);
	cr_expect(late.skel->bss->done_ctx.flags & FWCTL_BPF_RPC_WRITE_REFUSED);
	policy_del(&late);
	cr_assert_eq(nop(fd), 0);
	cr_assert_geq(sim_last_in(0, ran, sizeof(ran)), 13);
	cr_assert_eq(ran[12], 0);
	policy_del(&base);
}

static void set_redact(struct hook_policy *skel, void *arg)
{
	skel->data->redact_off = 8;
	skel->bss->redact_val = 0xee;
}

Test(review, rpc_done_runs_in_prio_order_and_the_last_sees_what_the_caller_gets)
{
	int order, fd = sim_open(0);

	for (order = 0; order < 2; order++) {
		struct policy early, redact, last;
		uint8_t out[MBOX_HDR];
		uint32_t out_len = sizeof(out);

		if (order) {
			last = policy_add("reader", FWCTL_BPF_PRIO_LAST, NULL, NULL);
			redact = policy_add("redact", 10, set_redact, NULL);
			early = policy_add("early", 5, NULL, NULL);
		} else {
			early = policy_add("early", 5, NULL, NULL);
			redact = policy_add("redact", 10, set_redact, NULL);
			last = policy_add("reader", FWCTL_BPF_PRIO_LAST, NULL, NULL);
		}
		cr_assert_eq(send_nop(fd, out, &out_len), 0);
		cr_assert_eq(out[8], 0xee);
		cr_assert_eq(last.skel->bss->done_resp[8], 0xee, "order %d: PRIO_LAST saw %#x",
			     order, last.skel->bss->done_resp[8]);
		/* documented: ascending prio, so a lower one sees it before */
		cr_assert_neq(early.skel->bss->done_resp[8], 0xee);
		policy_del(&early);
		policy_del(&redact);
		policy_del(&last);
	}
}

Test(review, a_redaction_the_hook_refuses_withholds_the_response)
{
	/* the test policy ignores a NULL response view: the hook fails closed */
	struct policy p = policy_add("late_redact", FWCTL_BPF_PRIO_LAST, set_redact, NULL);
	uint8_t out[MBOX_HDR] = {};
	uint32_t out_len = sizeof(out);
	int fd = sim_open(0);
	long long before = sim_executed(0);

	cr_assert_eq(send_nop(fd, out, &out_len), -EOPNOTSUPP);
	cr_assert_eq(sim_executed(0), before + 1);
	cr_assert_eq(out[8], 0, "the caller got the response");
	policy_del(&p);
}

/* Finding 6: on a driver that reads user memory itself, payload changes fail closed. */

static void set_reply(struct hook_policy *skel, void *arg)
{
	skel->data->verdict = FWCTL_BPF_REPLY;
	skel->bss->reply_len = 16;
	skel->bss->reply_byte = 0x5a;
}

Test(review, payload_changes_fail_closed_on_a_driver_without_kernel_payload)
{
	int k = sim_add_private_kind("user-payload"), fd;
	struct policy p;
	uint8_t out[MBOX_HDR];
	uint32_t out_len = sizeof(out);
	long long before;

	cr_assert_geq(k, 0);
	fd = sim_open(k);
	p = policy_verdict("allow", 10, FWCTL_BPF_ALLOW);
	before = sim_executed(k);
	cr_assert_eq(nop(fd), 0, "deciding works on any driver");
	cr_assert_eq(sim_executed(k), before + 1);
	policy_del(&p);

	p = policy_add("rewrite", 10, set_rewrite, NULL);
	cr_assert_eq(nop(fd), -EINVAL, "the writable request view must be NULL");
	policy_del(&p);
	p = policy_add("reply", 10, set_reply, NULL);
	cr_assert_eq(nop(fd), -ENOBUFS, "fwctl_bpf_reply_alloc() must fail");
	policy_del(&p);
	cr_assert_eq(sim_executed(k), before + 1, "a rewrite or reply reached the firmware");

	p = policy_add("redact", 10, set_redact, NULL);
	cr_assert_eq(send_nop(fd, out, &out_len), -EOPNOTSUPP, "a redaction that means nothing");
	cr_assert_eq(sim_executed(k), before + 2);
	policy_del(&p);
	close(fd);
}

/* Finding 7: removal detaches through the link. */

Test(review, device_removal_hangs_up_the_link)
{
	int k = sim_private_device(), ep = epoll_create1(0);
	struct policy p = policy_add("gone", 10, set_device, (void *)(uintptr_t)sim_fwctl_index(k));
	struct epoll_event ev = { .events = EPOLLHUP }, got;
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int lfd = bpf_link__fd(p.link);

	cr_assert_eq(bpf_link_get_info_by_fd(lfd, &info, &len), 0);
	cr_assert_neq(info.struct_ops.map_id, 0);
	cr_assert_eq(epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev), 0);
	cr_assert_eq(epoll_wait(ep, &got, 1, 0), 0, "hung up before the removal");
	cr_assert_eq(sim_remove(k), 0);
	cr_assert_eq(epoll_wait(ep, &got, 1, 1000), 1, "no EPOLLHUP when the device went");
	cr_assert(got.events & EPOLLHUP);
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	cr_assert_eq(bpf_link_get_info_by_fd(lfd, &info, &len), 0);
	cr_assert_eq(info.struct_ops.map_id, 0, "the link still shows its map");
	close(ep);
	policy_del(&p);
}

/* Finding 8 */

struct slow_rpc {
	int fd;
	int ret;
	uint8_t out[MBOX_HDR];
	atomic_int done;
};

static void *slow_rpc_thread(void *arg)
{
	struct slow_rpc *s = arg;
	uint32_t out_len = sizeof(s->out);

	s->ret = send_nop(s->fd, s->out, &out_len);
	atomic_store(&s->done, 1);
	return NULL;
}

Test(review, a_redaction_attached_during_a_slow_rpc_redacts_it)
{
	int k = sim_private_device();
	struct slow_rpc s = { .fd = sim_open(k) };
	struct policy allow = policy_verdict("allow", 10, FWCTL_BPF_ALLOW), redact;
	pthread_t t;

	cr_assert_eq(sim_fault(k, "delay_us 1500000 1"), 0);
	cr_assert_eq(pthread_create(&t, NULL, slow_rpc_thread, &s), 0);
	usleep(300000);		/* the RPC is at the driver now */
	redact = policy_add("redact", 20, set_redact, NULL);
	cr_assert_eq(atomic_load(&s.done), 0, "the RPC was not slow enough to test this");
	pthread_join(t, NULL);
	cr_assert_eq(s.ret, 0);
	cr_assert_eq(s.out[8], 0xee, "the response left unredacted");
	policy_del(&redact);
	policy_del(&allow);
	close(s.fd);
}

struct remover {
	int k;
	atomic_int done;
};

static void *remove_thread(void *arg)
{
	struct remover *r = arg;

	sim_remove(r->k);
	atomic_store(&r->done, 1);
	return NULL;
}

/* No Criterion assertion in a second thread: it only attaches. */
static void *attach_thread(void *arg)
{
	struct policy *p = arg;

	p->link = bpf_map__attach_struct_ops(p->skel->maps.hook_ops);
	return NULL;
}

static struct hook_policy *hook_load(const char *name, void (*cfg)(struct hook_policy *, void *),
				     void *arg)
{
	struct hook_policy *skel = hook_policy__open();

	cr_assert(skel);
	cr_assert_eq(fwctl_policy_set_name(skel->obj, name), 0);
	cr_assert_eq(fwctl_policy_set_u32(skel->obj, "prio", 10), 0);
	if (cfg)
		cfg(skel, arg);
	cr_assert_eq(hook_policy__load(skel), 0);
	return skel;
}

/*
 * A removal waits for the RPCs in flight; an attach to that device must
 * not wait with it while holding BPF's global update_mutex, or every
 * struct_ops link operation on the system waits for the firmware.
 */
Test(review, a_slow_rpc_does_not_stall_link_operations)
{
	int k = sim_private_device();
	struct slow_rpc s = { .fd = sim_open(k) };
	struct remover r = { .k = k };
	struct policy a = policy_verdict("swap", 10, FWCTL_BPF_ALLOW);
	struct policy on_removed = {
		.skel = hook_load("on_removed", set_device, (void *)(uintptr_t)sim_fwctl_index(k)),
	};
	struct hook_policy *b = hook_load("swap", NULL, NULL);
	pthread_t t1, t2, t3;

	cr_assert_eq(sim_fault(k, "delay_us 2000000 1"), 0);
	cr_assert_eq(pthread_create(&t1, NULL, slow_rpc_thread, &s), 0);
	usleep(200000);
	cr_assert_eq(pthread_create(&t2, NULL, remove_thread, &r), 0);
	usleep(200000);
	cr_assert_eq(pthread_create(&t3, NULL, attach_thread, &on_removed), 0);
	usleep(200000);
	/* an unrelated link update */
	cr_assert_eq(bpf_link__update_map(a.link, b->maps.hook_ops), 0);
	cr_assert_eq(atomic_load(&s.done), 0, "a link update waited for a firmware RPC");
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_join(t3, NULL);
	cr_assert_eq(atomic_load(&r.done), 1);
	policy_del(&on_removed);
	policy_del(&a);
	hook_policy__destroy(b);
	close(s.fd);
}

Test(review, a_reply_answers_only_what_the_driver_would_run)
{
	struct policy p = policy_add("reply", 10, set_reply, NULL);
	uint8_t in[MBOX_HDR] = {}, out[32];
	uint32_t out_len = sizeof(out);
	int fd = sim_open(0);
	long long replied = counter(0, "replied");

	sim_hdr(in, MLX5_CMD_OP_NOP, 0);
	cr_assert_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, 8, out, &out_len), -EMSGSIZE,
		     "a request shorter than the mailbox header");
	out_len = sizeof(out);
	cr_assert_eq(fwctl_rpc(fd, FWCTL_RPC_CONFIGURATION, in, sizeof(in), out, &out_len),
		     -EBADMSG, "NOP needs the debug read-only scope");
	cr_assert_eq(counter(0, "replied"), replied, "a reply the driver would not have given");
	out_len = sizeof(out);
	cr_assert_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out, &out_len), 0);
	cr_assert_eq(counter(0, "replied"), replied + 1);
	policy_del(&p);
}

Test(review, the_context_says_who_failed_an_rpc)
{
	struct policy p = policy_verdict("judge", 10, FWCTL_BPF_ALLOW);
	struct seen_ctx *d = &p.skel->bss->done_ctx;
	uint8_t in[MBOX_HDR] = {}, out[MBOX_HDR];
	uint32_t out_len = sizeof(out);
	int fd = sim_open(0);

	/* the driver refuses NOP in the configuration scope with -EBADMSG */
	sim_hdr(in, MLX5_CMD_OP_NOP, 0);
	cr_assert_eq(fwctl_rpc(fd, FWCTL_RPC_CONFIGURATION, in, sizeof(in), out, &out_len),
		     -EBADMSG);
	cr_assert_eq(d->status, -EBADMSG);
	cr_assert_eq(d->flags & (FWCTL_BPF_RPC_SENT | FWCTL_BPF_RPC_REJECTED), FWCTL_BPF_RPC_SENT,
		     "the driver's errno must read as the driver's");
	cr_assert_eq(d->policy_id, 0);

	/* the same errno from a policy */
	p.skel->data->verdict = -EBADMSG;
	cr_assert_eq(nop(fd), -EBADMSG);
	cr_assert_eq(d->flags & (FWCTL_BPF_RPC_SENT | FWCTL_BPF_RPC_REJECTED),
		     FWCTL_BPF_RPC_REJECTED);
	cr_assert_neq(d->policy_id, 0);
	cr_assert_str_eq(d->policy, "judge");
	policy_del(&p);
}

Test(review, two_attached_policies_never_share_a_name)
{
	struct policy a = policy_verdict("twin", 10, FWCTL_BPF_ALLOW);
	struct policy b = policy_try_add("twin", 20, NULL, NULL);

	cr_assert_null(b.link, "a second policy named twin attached");
	cr_assert_eq(errno, EEXIST);
	hook_policy__destroy(b.skel);
	policy_del(&a);
}

Test(review, prio_zero_is_the_default_prio)
{
	struct policy zero = policy_add("zero", 0, set_observe, NULL);
	struct policy rw = policy_add("rewriter", FWCTL_BPF_PRIO_DEFAULT - 1, set_rewrite, NULL);
	int fd = sim_open(0);

	cr_assert_eq(nop(fd), 0);
	cr_assert_eq(zero.skel->data->seen_byte, 0xab, "prio 0 ran before prio %u",
		     FWCTL_BPF_PRIO_DEFAULT - 1);
	policy_del(&rw);
	policy_del(&zero);
}

Test(review, a_policy_without_a_link_is_refused)
{
	struct nolink_policy *skel = nolink_policy__open_and_load();
	struct bpf_link *link;

	cr_assert(skel);
	link = bpf_map__attach_struct_ops(skel->maps.nolink_ops);
	cr_assert_null(link, "a policy the kernel could never detach attached");
	cr_assert_eq(errno, EOPNOTSUPP);
	nolink_policy__destroy(skel);
}

Test(review, the_policy_limit_is_per_device)
{
	int k = sim_private_device(), i;
	unsigned int idx = sim_fwctl_index(k);
	struct policy p[FWCTL_BPF_MAX_POLICIES], more, other;
	char name[16];

	for (i = 0; i < FWCTL_BPF_MAX_POLICIES; i++) {
		snprintf(name, sizeof(name), "dev%d", i);
		p[i] = policy_add(name, 10, set_device, (void *)(uintptr_t)idx);
	}
	more = policy_try_add("dev_more", 10, set_device, (void *)(uintptr_t)idx);
	cr_assert_null(more.link, "a 17th policy on one device");
	cr_assert_eq(errno, E2BIG);
	hook_policy__destroy(more.skel);
	other = policy_add("elsewhere", 10, set_device, (void *)(uintptr_t)sim_fwctl_index(0));
	cr_assert_eq(nop(sim_open(0)), 0);
	policy_del(&other);
	for (i = 0; i < FWCTL_BPF_MAX_POLICIES; i++)
		policy_del(&p[i]);
}

Test(review, a_user_memory_kfunc_does_not_load)
{
	static char log[64 * 1024];

	cr_assert_eq(bpf_test_load_must_fail("fail_user_dynptr", log, sizeof(log)), -EACCES);
	cr_assert(strstr(log, "attach to unsupported member rpc_filter"), "%s", log);
}

/*
 * Issue 16: an RPC enters the hook only on a device that a policy matches
 * (a per-device flag beside the run array). Every way the flag could be
 * stale: a policy bound to one device, a global one, a device added after
 * both, each attach order and the detach orders.
 */

struct bound_verdict {
	unsigned int dev_index;
	int verdict;
};

static void set_bound_verdict(struct hook_policy *skel, void *arg)
{
	const struct bound_verdict *b = arg;

	set_device(skel, (void *)(uintptr_t)b->dev_index);
	skel->data->verdict = b->verdict;
}

/* A NOP on simK is rejected with -EACCES and never runs, or runs */
static void expect_rejected(int k, bool rejected, const char *when)
{
	int fd = sim_open(k), ret;
	long long before = sim_executed(k);	/* opening runs a command */

	cr_assert_geq(fd, 0);
	ret = nop(fd);
	cr_assert_eq(ret, rejected ? -EACCES : 0, "%s: sim%d returned %d", when, k, ret);
	cr_assert_eq(sim_executed(k), before + !rejected, "%s: sim%d's firmware counter", when, k);
	close(fd);
}

Test(review, each_device_runs_the_policies_that_match_it_in_every_order)
{
	int a = sim_private_device(), late, order;
	struct bound_verdict on_a = { sim_fwctl_index(a), -EACCES };
	struct policy bound, global;

	for (order = 0; order < 2; order++) {
		if (order == 0) {
			bound = policy_add("on_a", 10, set_bound_verdict, &on_a);
			expect_rejected(a, true, "bound to a");
			expect_rejected(0, false, "bound to another device");
			global = policy_verdict("everywhere", 20, -EACCES);
		} else {
			global = policy_verdict("everywhere", 20, -EACCES);
			expect_rejected(a, true, "global");
			bound = policy_add("on_a", 10, set_bound_verdict, &on_a);
		}
		expect_rejected(a, true, "both");
		expect_rejected(0, true, "global, with one bound elsewhere");
		late = sim_private_device();
		expect_rejected(late, true, "a device added after a global policy");

		if (order == 0) {
			policy_del(&global);
			expect_rejected(0, false, "the global one detached");
			expect_rejected(late, false, "the global one detached");
			expect_rejected(a, true, "the bound one stays");
			policy_del(&bound);
		} else {
			policy_del(&bound);
			expect_rejected(a, true, "the global one stays");
			policy_del(&global);
		}
		expect_rejected(a, false, "all detached");
		expect_rejected(0, false, "all detached");
		expect_rejected(late, false, "all detached");
		cr_assert_eq(sim_remove(late), 0);
	}
}
