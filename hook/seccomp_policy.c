/* seccomp_policy.c - the hook's syscall allowlist and its tightening
 * (seccomp_policy.h).
 *
 * The only file that includes libseccomp's <seccomp.h>.
 * The policy is one table: every
 * syscall the hook (or a backend command it runs, which inherits the
 * filter) may make, each with the step that needs it and the group that
 * step belongs to.  The base filter allows the whole table and fails
 * everything else with EPERM; the tightening filter is built from the same
 * table and fails the groups a run does not need.
 *
 * Syscalls that do not exist on the build's architecture (open, fork,
 * ... on aarch64) are skipped, so the table stays one list.  clone3 answers
 * ENOSYS: its flags sit in memory a filter cannot read, and glibc then
 * falls back to clone, whose flags it can.
 */
#include "seccomp_policy.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define VP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VP_SANITIZED 1
#endif
#endif

/* Namespace flags a fork for a backend command never uses. */
#define NS_FLAGS                                                               \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |           \
	 CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)
/* socket(2)'s type without SOCK_CLOEXEC / SOCK_NONBLOCK */
#define SOCK_TYPE_MASK 0xf

#define ARG(n, o, a)                                                           \
	{                                                                      \
		.arg = (n), .op = (o), .datum_a = (scmp_datum_t)(a)            \
	}
#define ARGM(n, mask, a)                                                       \
	{                                                                      \
		.arg = (n), .op = SCMP_CMP_MASKED_EQ,                          \
		.datum_a = (scmp_datum_t)(mask), .datum_b = (scmp_datum_t)(a)  \
	}

#define ALWAYS 0U
#define EXEC VP_FILTER_EXEC
#define NETLINK VP_FILTER_NETLINK
#define NETNS VP_FILTER_NETNS
/* LeakSanitizer stops the world from a clone()d tracer at exit: a
 * sanitizer build keeps clone, wait4 and the tracer's helpers in every
 * profile. */
#ifdef VP_SANITIZED
#define EXEC_OR_SAN ALWAYS
#else
#define EXEC_OR_SAN EXEC
#endif

struct rule {
	const char *name;
	int nr;		 /* SCMP_SYS(name) */
	unsigned group;	 /* ALWAYS, or the VP_FILTER_* that needs it */
	int errnum;	 /* 0: allow; else fail with this errno */
	unsigned n_args; /* conditions, all must hold */
	struct scmp_arg_cmp args[2];
};

/* SCMP_SYS: the number at compile time (negative where the architecture
 * lacks the call), no name lookups at run time */
#define R(n, g)                                                                \
	{                                                                      \
		.name = #n, .nr = SCMP_SYS(n), .group = (g)                    \
	}
#define R1(n, g, a)                                                            \
	{                                                                      \
		.name = #n, .nr = SCMP_SYS(n), .group = (g), .n_args = 1,      \
		.args = {                                                      \
			a                                                      \
		}                                                              \
	}
#define R2(n, g, a, b)                                                         \
	{                                                                      \
		.name = #n, .nr = SCMP_SYS(n), .group = (g), .n_args = 2,      \
		.args = {                                                      \
			a,                                                     \
			b                                                      \
		}                                                              \
	}
#define ERR(n, e)                                                              \
	{                                                                      \
		.name = #n, .nr = SCMP_SYS(n), .group = ALWAYS, .errnum = (e)  \
	}

static const struct rule rules[] = {
    /* --- memory: malloc, yajl/libnl buffers, ld.so in a backend --- */
    R(brk, ALWAYS), R(mmap, ALWAYS), R(munmap, ALWAYS),
    R(mremap, ALWAYS),	 /* realloc of big buffers */
    R(mprotect, ALWAYS), /* ld.so relro, stack guard */
    R(madvise, ALWAYS),	 /* free() trimming */

    /* --- stdin, config, records, device list, sysfs, /proc --- */
    R(read, ALWAYS),			      /* state on stdin, files */
    R(readv, ALWAYS), R(pread64, ALWAYS),     /* ld.so reading ELF headers */
    R(write, ALWAYS),			      /* records, sysfs knobs, stderr */
    R(writev, ALWAYS),			      /* stdio, syslog */
    R(lseek, ALWAYS),			      /* stdio */
    R(open, ALWAYS),			      /* older libcs */
    R(openat, ALWAYS),			      /* every file, O_NOFOLLOW */
    R(close, ALWAYS), R(close_range, ALWAYS), /* exec child drops our fds */
    R(dup, ALWAYS), R(dup2, ALWAYS),	      /* exec child's stdio */
    R(dup3, ALWAYS), R(fcntl, ALWAYS),	      /* CLOEXEC, fdopendir */
    R(fstat, ALWAYS),			      /* regular-file checks */
    R(stat, ALWAYS), R(lstat, ALWAYS),	      /* run-dir symlink checks */
    R(newfstatat, ALWAYS), R(statx, ALWAYS),
    R(access, ALWAYS), /* ld.so in a backend */
    R(faccessat, ALWAYS), R(faccessat2, ALWAYS),
    R(readlink, ALWAYS), /* sysfs physfn/driver links,
			  * /proc/<pid>/ns/net */
    R(readlinkat, ALWAYS),
    R(getdents64, ALWAYS),		     /* sysfs virtfnN, records, gc */
    R(getdents, ALWAYS), R(flock, ALWAYS),   /* the allocation lock */
    R(fsync, ALWAYS),			     /* atomic writes, dir fsync */
    R(fdatasync, ALWAYS), R(rename, ALWAYS), /* temp file -> record */
    R(renameat, ALWAYS), R(renameat2, ALWAYS),
    R(mkdir, ALWAYS),			   /* run_dir, sandbox, socket dirs */
    R(mkdirat, ALWAYS), R(unlink, ALWAYS), /* records, stale sockets */
    R(unlinkat, ALWAYS),		   /* rm -rf of a sandbox dir */
    R(rmdir, ALWAYS), R(fchmod, ALWAYS),   /* exact modes on created files */
    R(umask, ALWAYS), R(chdir, ALWAYS), R(getcwd, ALWAYS),
    /* isatty() (stdio); if_nametoindex() for a PF's ifindex */
    R1(ioctl, ALWAYS, ARG(1, SCMP_CMP_EQ, TCGETS)),
    R1(ioctl, ALWAYS, ARG(1, SCMP_CMP_EQ, SIOCGIFINDEX)),
    R1(ioctl, ALWAYS, ARG(1, SCMP_CMP_EQ, SIOCGIFNAME)),

    /* --- process basics: glibc, ld.so, error paths --- */
    R(exit, ALWAYS), R(exit_group, ALWAYS),
    R(getpid, ALWAYS),			   /* syslog LOG_PID, records */
    R(getppid, ALWAYS), R(gettid, ALWAYS), /* abort() */
    R(getuid, ALWAYS), R(geteuid, ALWAYS), R(getgid, ALWAYS),
    R(getegid, ALWAYS), R(getresuid, ALWAYS), R(getresgid, ALWAYS),
    R(getrandom, ALWAYS),		/* malloc, hash seeds */
    R(uname, ALWAYS), R(futex, ALWAYS), /* stdio/syslog locks */
    R(set_robust_list, ALWAYS),		/* startup of a backend */
    R(set_tid_address, ALWAYS), R(rseq, ALWAYS), R(arch_prctl, ALWAYS),
    /* stacking the tightening filter (filters can only add limits) */
    R(seccomp, ALWAYS),
    R1(prctl, ALWAYS, ARG(0, SCMP_CMP_EQ, PR_SET_NO_NEW_PRIVS)),
    /* reading limits only (no new_limit): ld.so and glibc startup */
    R1(prlimit64, ALWAYS, ARG(2, SCMP_CMP_EQ, 0)),
    R(rt_sigaction, ALWAYS), /* SIGPIPE in the child */
    R(rt_sigprocmask, ALWAYS), R(rt_sigreturn, ALWAYS), R(sigaltstack, ALWAYS),
    R(tgkill, ALWAYS),	      /* abort() raising SIGABRT */
    R(clock_gettime, ALWAYS), /* deadlines (no vDSO) */
    R(clock_getres, ALWAYS), R(gettimeofday, ALWAYS),
    R(time, ALWAYS),	  /* record "created" */
    R(nanosleep, ALWAYS), /* lock back-off, vfio settle */
    R(clock_nanosleep, ALWAYS), R(poll, ALWAYS), /* exec pipes, netlink */
    R(ppoll, ALWAYS),
    /* syslog(3) to /dev/log when the config enables it */
    R2(socket, ALWAYS, ARG(0, SCMP_CMP_EQ, AF_UNIX),
       ARGM(1, SOCK_TYPE_MASK, SOCK_DGRAM)),
    R(connect, ALWAYS), /* /dev/log; ovsdb socket */
    R(sendto, ALWAYS),	/* syslog; libnl */
    R(sendmsg, ALWAYS), R(recvfrom, ALWAYS), R(recvmsg, ALWAYS),
    R(getsockname, ALWAYS), R(getsockopt, ALWAYS),
    R(setsockopt, ALWAYS), /* netlink buffers, ext ack */
    R(shutdown, ALWAYS),

    /* --- SR-IOV: rtnetlink for VF settings and link moves --- */
    R2(socket, NETLINK, ARG(0, SCMP_CMP_EQ, AF_NETLINK),
       ARG(2, SCMP_CMP_EQ, NETLINK_ROUTE)),
    R(bind, NETLINK), /* libnl nl_connect() */

    /* --- SR-IOV netns mode: into a container's netns and back --- */
    R1(setns, NETNS, ARG(1, SCMP_CMP_EQ, CLONE_NEWNET)),
    /* the temporary namespace that avoids name clashes */
    R1(unshare, NETNS, ARG(0, SCMP_CMP_EQ, CLONE_NEWNET)),

    /* --- running a backend command (exec.c) and what it needs --- */
    R1(clone, EXEC_OR_SAN, ARGM(0, NS_FLAGS, 0)), /* fork() */
    ERR(clone3, ENOSYS), /* glibc falls back to clone */
    R(fork, EXEC), R(vfork, EXEC), R(execve, EXEC), R(execveat, EXEC),
    R(pipe2, EXEC),			  /* the child's stdout/stderr */
    R(pipe, EXEC), R(wait4, EXEC_OR_SAN), /* reaping it */
    R(waitid, EXEC), R(pidfd_open, EXEC), /* waiting with a deadline */
    R(kill, EXEC),			  /* SIGKILL at the deadline */
    /* ovs-vsctl talks to ovsdb-server over its unix socket */
    R2(socket, EXEC, ARG(0, SCMP_CMP_EQ, AF_UNIX),
       ARGM(1, SOCK_TYPE_MASK, SOCK_STREAM)),
    R(getpeername, EXEC), R(getrusage, EXEC_OR_SAN), /* OVS's timeval stats */
    R(sched_getaffinity, EXEC_OR_SAN),		     /* OVS: cores */
    R(get_mempolicy, EXEC),			     /* OVS's NUMA probe */
    R(set_mempolicy, EXEC), R(sysinfo, EXEC), R(select, EXEC),
    R(pselect6, EXEC), R(sched_yield, EXEC_OR_SAN),

#ifdef VP_SANITIZED
    /* --- ASan/UBSan/LSan runtime (make debug builds only) --- */
    R(prctl, ALWAYS),  /* PR_GET_DUMPABLE, ... */
    R(ptrace, ALWAYS), /* LSan suspends threads */
#endif
};

static bool installed;

bool vp_filter_active(void)
{
	return installed;
}

static void ctx_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx != NULL)
		seccomp_release(*ctx);
}

#define _cleanup_scmp_ __attribute__((cleanup(ctx_releasep)))

static int add(scmp_filter_ctx ctx, uint32_t action, const struct rule *r,
	       struct vp_err *err)
{
	int rc;

	/* not a syscall of this architecture: nothing to allow or deny */
	if (r->nr < 0)
		return 0;
	rc = seccomp_rule_add_array(ctx, action, r->nr, r->n_args, r->args);
	if (rc < 0)
		return vp_err_set(err, -rc, "seccomp: rule for `%s`", r->name);
	return 0;
}

/* Load ctx.  Without no_new_privs first: a backend exec'd under it could
 * not change SELinux/AppArmor domain.  Root has CAP_SYS_ADMIN for that;
 * without it (a hook in a user namespace) the kernel insists on NNP. */
static int load(scmp_filter_ctx ctx, struct vp_err *err)
{
	int rc;

	/* the kernel's errno rather than libseccomp's ECANCELED */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	/* API level 3 (libseccomp 2.4 on Linux 4.14+) logs denials; below it
	 * the filter works the same, silently */
	if (seccomp_api_get() >= 3) {
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
		if (rc < 0)
			return vp_err_set(err, -rc, "seccomp: log attribute");
	}
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (rc < 0)
		return vp_err_set(err, -rc, "seccomp: no_new_privs attribute");
	rc = seccomp_load(ctx);
	if (rc == -EACCES) {
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
		if (rc == 0)
			rc = seccomp_load(ctx);
	}
	if (rc < 0)
		return vp_err_set(err, -rc, "seccomp: load the filter");
	return 0;
}

int vp_filter_install(struct vp_err *err)
{
	_cleanup_scmp_ scmp_filter_ctx ctx = NULL;

	ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (ctx == NULL)
		return vp_err_set(err, ENOMEM, "seccomp: init");
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct rule *r = &rules[i];
		uint32_t action = r->errnum
				      ? SCMP_ACT_ERRNO((uint32_t)r->errnum)
				      : SCMP_ACT_ALLOW;

		if (add(ctx, action, r, err) < 0)
			return -1;
	}
	if (load(ctx, err) < 0)
		return -1;
	installed = true;
	return 0;
}

int vp_filter_restrict(unsigned needs, struct vp_err *err)
{
	_cleanup_scmp_ scmp_filter_ctx ctx = NULL;
	unsigned taken = VP_FILTER_ALL & ~needs;

	if (!installed || taken == 0)
		return 0;
	/* allow by default: the base filter below still decides everything
	 * this one does not fail */
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL)
		return vp_err_set(err, ENOMEM, "seccomp: init");
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct rule *r = &rules[i];

		if ((r->group & taken) != 0 && r->errnum == 0 &&
		    add(ctx, SCMP_ACT_ERRNO(EPERM), r, err) < 0)
			return -1;
	}
	return load(ctx, err);
}
