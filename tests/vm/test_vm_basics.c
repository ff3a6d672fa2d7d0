// SPDX-License-Identifier: GPL-2.0
/*
 * The ground every other in-VM test stands on: the guest runs the kernel
 * we built, with fwctl, BTF, bpffs and a working BPF JIT.
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "vm_basics.skel.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

Test(vm_basics, runs_the_kernel_built_from_kernel_patches)
{
	const char *want = getenv("FWCTL_BPF_KERNEL_RELEASE");
	struct utsname u;

	cr_assert_eq(uname(&u), 0);
	cr_assert(want, "FWCTL_BPF_KERNEL_RELEASE not set (run through make check)");
	cr_assert_str_eq(u.release, want);
	cr_assert_str_eq(getenv("FWCTL_BPF_IN_VM"), "1");
}

Test(vm_basics, has_the_fwctl_class)
{
	struct stat st;

	cr_assert_eq(stat("/sys/class/fwctl", &st), 0, "no /sys/class/fwctl: CONFIG_FWCTL missing");
	cr_assert(S_ISDIR(st.st_mode));
}

Test(vm_basics, exposes_kernel_btf)
{
	struct stat st;

	cr_assert_eq(stat("/sys/kernel/btf/vmlinux", &st), 0, "no vmlinux BTF");
	cr_assert_gt(st.st_size, 1024 * 1024);
}

Test(vm_basics, mounts_bpffs)
{
	struct statfs sfs;

	cr_assert_eq(statfs("/sys/fs/bpf", &sfs), 0);
	cr_assert_eq((unsigned long)sfs.f_type, (unsigned long)BPF_FS_MAGIC);
}

Test(vm_basics, loads_and_runs_a_bpf_program)
{
	LIBBPF_OPTS(bpf_test_run_opts, run);
	struct vm_basics *skel;

	skel = vm_basics__open_and_load();
	cr_assert(skel, "vm_basics__open_and_load: %s", strerror(errno));
	cr_assert_eq(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.vm_basics_answer), &run), 0);
	cr_expect_eq(run.retval, 42);
	cr_expect_eq(skel->bss->seen_pid, getpid());
	vm_basics__destroy(skel);
}
