/* qemu_argv.c - what vnfplug-qemu does to QEMU's argv (qemu_argv.h):
 * find the sandbox the VM belongs to, record the VM for gc (vm.json), make
 * guest RAM shareable for vhost-user, append the device list and QEMU's
 * own -sandbox.
 *
 * The runtime's arguments are passed on byte-identical and in order; the
 * only in-place changes are adding or forcing share=on on a memory backend
 * and turning memory-backend-ram (no fd to share) into memory-backend-memfd.
 * QEMU option strings are "key=value,..." lists where ",," is a literal
 * comma and the first item may omit its key (the "implied" key).
 */
#include "qemu_argv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "json.h"
#include "liveness.h"
#include "lock.h"
#include "proc.h"
#include "qemu_opts.h"
#include "validate.h"
#include "rundir.h"

#define MIB (UINT64_C(1) << 20)
#define QEMU_DEFAULT_RAM (128 * MIB) /* x86 machines without -m */

/* A QEMU size ("2048", "2048M", "2G", "1.5G", "512k") in bytes; a size
 * without a unit is MiB, as for -m. */
static int parse_ram_size(const char *s, uint64_t *out)
{
	static const char units[] = "bkmgtpe";
	uint64_t whole = 0, frac = 0, fdiv = 1, unit = MIB, v, f;
	const char *p = s, *u;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(whole, 10, &whole) ||
		    __builtin_add_overflow(whole, (uint64_t)(*p - '0'), &whole))
			return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (fdiv >= UINT64_C(1000000000))
				return -1;
			frac = frac * 10 + (uint64_t)(*p - '0');
			fdiv *= 10;
		}
	}
	if (*p != '\0') {
		u = strchr(units, *p | 0x20);
		if (u == NULL || p[1] != '\0')
			return -1;
		unit = UINT64_C(1) << (10 * (u - units));
	}
	if (__builtin_mul_overflow(whole, unit, &v) ||
	    __builtin_mul_overflow(frac, unit, &f) ||
	    __builtin_add_overflow(v, f / fdiv, &v) || v == 0)
		return -1;
	*out = v;
	return 0;
}

/* Guest RAM size from the last -m value (QEMU merges repeated -m). */
static int ram_size(const char *m, uint64_t *bytes, struct vp_err *err)
{
	_cleanup_free_ char *size = NULL;
	const char *raw;
	size_t len;

	*bytes = QEMU_DEFAULT_RAM;
	if (m == NULL)
		return 0;
	raw = vp_qemu_opt_find(m, "size", true, &len);
	if (raw == NULL)
		return 0;
	size = vp_qemu_unescape(raw, len);
	if (size == NULL)
		return vp_err_set(err, ENOMEM, "QEMU -m");
	if (parse_ram_size(size, bytes) < 0)
		return vp_err_set(err, 0, "QEMU -m `%s`: cannot read the size",
				  m);
	return 0;
}

static bool is_ram_backend(const char *type, size_t len)
{
	static const char *const types[] = {
	    "memory-backend-file",
	    "memory-backend-memfd",
	    "memory-backend-ram",
	    NULL,
	};

	for (size_t i = 0; types[i] != NULL; i++)
		if (vp_qemu_item_is(type, len, types[i]))
			return true;
	return false;
}

static bool bool_on(const char *v, size_t len)
{
	static const char *const on[] = {"on", "yes", "true", "y", NULL};

	for (size_t i = 0; on[i] != NULL; i++)
		if (vp_qemu_item_is(v, len, on[i]))
			return true;
	return false;
}

/* The JSON form of -object can not be edited here without reordering it;
 * accept it only when it already shares its memory. */
static int json_backend(const char *val, bool *backend, struct vp_err *err)
{
	_cleanup_json_ struct vp_json *j = NULL;
	const struct vp_json *type, *share;

	if (vp_json_parse(val, strlen(val), &j, err) < 0)
		return vp_err_wrap(err, "QEMU -object");
	type = vp_json_get(j, "qom-type");
	if (type == NULL || type->type != VP_JSON_STRING ||
	    !is_ram_backend(type->u.str.s, type->u.str.len))
		return 0;
	*backend = true;
	share = vp_json_get(j, "share");
	if (share == NULL || share->type != VP_JSON_BOOL || !share->u.boolean)
		return vp_err_set(err, 0,
				  "QEMU -object `%s`: vhost-user needs "
				  "\"share\": true on guest memory",
				  val);
	return 0;
}

/* -object value with share=on forced when it is a RAM backend; *fixed is
 * NULL when the value can be used as it is. */
static int fix_object(const char *val, char **fixed, bool *backend,
		      struct vp_err *err)
{
	const char *type;
	size_t tlen, n, vlen = strlen(val);
	bool has_share = false;
	char *out, *o;

	*fixed = NULL;
	if (val[0] == '{')
		return json_backend(val, backend, err);
	type = vp_qemu_opt_find(val, "qom-type", true, &tlen);
	if (type == NULL || !is_ram_backend(type, tlen))
		return 0;
	*backend = true;
	if (vp_qemu_item_is(type, tlen, "memory-backend-ram")) {
		/* anonymous RAM has no fd to hand to the vswitch, shared or
		 * not: the same backend as memfd (all of ram's properties
		 * are hostmem's, which memfd has too) */
		size_t off = (size_t)(type - val);
		_cleanup_free_ char *memfd = vp_asprintf(
		    "%.*smemory-backend-memfd%s", (int)off, val, type + tlen);
		char *again = NULL;

		if (memfd == NULL)
			return vp_err_set(err, ENOMEM, "QEMU -object");
		if (fix_object(memfd, &again, backend, err) < 0)
			return -1;
		*fixed = again != NULL ? again : vp_steal_ptr(&memfd);
		return 0;
	}
	/* Worst case: every item is a 7-byte "share=," that grows to
	 * "share=on,", or ",share=on" is appended. */
	out = malloc(2 * vlen + sizeof(",share=on"));
	if (out == NULL)
		return vp_err_set(err, ENOMEM, "QEMU -object");
	o = out;
	for (const char *p = val;; p += n + 1) {
		n = vp_qemu_item_len(p);
		bool is_share = n >= 6 && memcmp(p, "share=", 6) == 0;

		has_share |= is_share;
		if (is_share && !bool_on(p + 6, n - 6)) {
			o = stpcpy(o, "share=on");
		} else {
			memcpy(o, p, n);
			o += n;
		}
		if (p[n] == '\0')
			break;
		*o++ = ',';
	}
	*o = '\0';
	/* after a trailing empty item ("id=m,") the ',' is there already:
	 * another one would make ",," an escaped comma */
	if (!has_share)
		strcpy(o, n == 0 ? "share=on" : ",share=on");
	if (strcmp(out, val) == 0) {
		free(out);
		return 0;
	}
	*fixed = out;
	return 0;
}

/* Append argv, with RAM backends forced to share=on when `share`; tells
 * whether one was seen, and the -m value and -mem-path use. */
static int copy_args(int argc, char *const argv[], bool share,
		     struct vp_argv *out, bool *backend, const char **m,
		     bool *mem_path, struct vp_err *err)
{
	for (int i = 0; i < argc; i++) {
		char *fixed = NULL;

		if (share && i + 1 < argc) {
			if (vp_qemu_is_opt(argv[i], "m"))
				*m = argv[i + 1];
			else if (vp_qemu_is_opt(argv[i], "mem-path"))
				*mem_path = true;
			else if (vp_qemu_is_opt(argv[i], "object") &&
				 fix_object(argv[i + 1], &fixed, backend, err))
				return -1;
		}
		if (vp_argv_push(out, argv[i], err) < 0)
			return -1;
		if (fixed != NULL) {
			if (vp_argv_push_owned(out, fixed, err) < 0)
				return -1;
			i++;
		}
	}
	return 0;
}

/* No backend at all: give QEMU one it can share with the vswitch. */
static int add_backend(const char *m, bool mem_path, struct vp_argv *out,
		       struct vp_err *err)
{
	uint64_t bytes;

	if (mem_path)
		return vp_err_set(err, 0,
				  "QEMU -mem-path without a memory backend "
				  "object: cannot make guest memory shared "
				  "for vhost-user");
	if (ram_size(m, &bytes, err) < 0)
		return -1;
	if (vp_argv_push(out, "-object", err) < 0)
		return -1;
	if (bytes % MIB == 0) {
		if (vp_argv_pushf(out, err,
				  "memory-backend-memfd,id=vp-mem,size=%" PRIu64
				  "M,share=on",
				  bytes / MIB) < 0)
			return -1;
	} else if (vp_argv_pushf(out, err,
				 "memory-backend-memfd,id=vp-mem,size=%" PRIu64
				 ",share=on",
				 bytes) < 0) {
		return -1;
	}
	if (vp_argv_push(out, "-machine", err) < 0 ||
	    vp_argv_push(out, "memory-backend=vp-mem", err) < 0)
		return -1;
	return 0;
}

int vp_shim_build_argv(const char *qemu, int argc, char *const argv[],
		       const struct vp_devlist *dl, struct vp_argv *out,
		       struct vp_err *err)
{
	struct vp_argv res = {0};
	bool share = dl != NULL && dl->shared_memory;
	bool backend = false, mem_path = false;
	const char *m = NULL;

	if (vp_argv_push(&res, qemu, err) < 0)
		goto fail;
	if (copy_args(argc, argv, share, &res, &backend, &m, &mem_path, err))
		goto fail;
	if (share && !backend && add_backend(m, mem_path, &res, err) < 0)
		goto fail;
	for (size_t i = 0; dl != NULL && i < dl->args.n; i++)
		if (vp_argv_push(&res, dl->args.v[i], err) < 0)
			goto fail;
	*out = res;
	return 0;
fail:
	vp_argv_free(&res);
	return -1;
}

void vp_shim_daemon_opts(int argc, char *const argv[], bool *daemonize,
			 const char **pidfile)
{
	*daemonize = false;
	*pidfile = NULL;
	for (int i = 0; i < argc; i++) {
		if (vp_qemu_is_opt(argv[i], "daemonize"))
			*daemonize = true;
		else if (vp_qemu_is_opt(argv[i], "pidfile") && i + 1 < argc)
			*pidfile = argv[++i];
	}
}

/* The pidfile QEMU will write, as an absolute path: QEMU writes it before
 * it changes directory, so a relative one is under our cwd. */
static char *pidfile_abs(const char *path, struct vp_err *err)
{
	_cleanup_free_ char *cwd = NULL;
	char *abs;

	if (path[0] == '/') {
		abs = strdup(path);
	} else {
		cwd = getcwd(NULL, 0);
		if (cwd == NULL) {
			vp_err_set(err, errno, "-pidfile `%s`: getcwd", path);
			return NULL;
		}
		abs = vp_asprintf("%s/%s", cwd, path);
	}
	if (abs == NULL)
		vp_err_set(err, ENOMEM, "-pidfile");
	return abs;
}

int vp_shim_record_vm(const struct vp_config *cfg, const char *id, int argc,
		      char *const argv[], char **own, struct vp_err *err)
{
	_cleanup_free_ char *pidfile = NULL;
	struct vp_vm vm = {.pid = (int)getpid()};
	const char *given;
	bool daemonize;
	int lock, rc = 0;

	*own = NULL;
	vp_shim_daemon_opts(argc, argv, &daemonize, &given);
	if (vp_proc_start_time(cfg->proc_root, vm.pid, &vm.start, err) < 0)
		return vp_err_wrap(err, "record the VM for gc");
	if (daemonize && given != NULL) {
		pidfile = pidfile_abs(given, err);
		if (pidfile == NULL)
			return -1;
	} else if (daemonize) {
		pidfile = vp_rundir_file(cfg->run_dir, id, VP_RUNDIR_PIDFILE);
		if (pidfile == NULL)
			return vp_err_set(err, ENOMEM, "pidfile");
	}
	vm.pidfile = pidfile;
	lock = vp_lock_acquire(cfg->run_dir, cfg->lock_timeout_ms, err);
	if (lock < 0)
		return vp_err_wrap(err, "record the VM for gc");
	/* vp_vm_save checks the sandbox directory before anything in it is
	 * touched; then the pidfile is ours, left by an earlier VM of the
	 * sandbox (QEMU could not lock it while that VM lives) */
	rc = vp_vm_save(cfg->run_dir, id, &vm, err);
	if (rc == 0 && daemonize && given == NULL && unlink(pidfile) < 0 &&
	    errno != ENOENT)
		rc = vp_err_set(err, errno, "unlink `%s`", pidfile);
	vp_lock_release(lock);
	if (rc < 0)
		return vp_err_wrap(err, "not starting the VM");
	if (daemonize && given == NULL)
		*own = vp_steal_ptr(&pidfile);
	return 0;
}

int vp_shim_check_qemu(const char *qemu, struct vp_err *err)
{
	struct stat q, self;

	if (qemu[0] != '/')
		return vp_err_set(err, 0, "qemu `%s` is not an absolute path",
				  qemu);
	if (stat(qemu, &q) < 0)
		return vp_err_set(err, errno, "qemu `%s`", qemu);
	if (!S_ISREG(q.st_mode) || access(qemu, X_OK) < 0)
		return vp_err_set(err, 0, "qemu `%s` is not an executable",
				  qemu);
	/* Pointing "qemu" at the shim would exec it again and again. */
	if (stat("/proc/self/exe", &self) == 0 && self.st_dev == q.st_dev &&
	    self.st_ino == q.st_ino)
		return vp_err_set(err, 0,
				  "qemu `%s` is vnfplug-qemu itself; set "
				  "\"qemu\" to the real QEMU",
				  qemu);
	return 0;
}

/* Does QEMU value `v` hold `key`=`want` (raw, unescaped compare)? */
static bool opt_is(const char *v, const char *key, bool implied,
		   const char *want)
{
	size_t len;
	const char *f = vp_qemu_opt_find(v, key, implied, &len);

	return f != NULL && vp_qemu_item_is(f, len, want);
}

/* A network backend QEMU starts a process for: bridge and tap,helper=
 * run qemu-bridge-helper, a tap QEMU opens itself runs its ifup/ifdown
 * scripts unless both are "no" (a tap on inherited fd=/fds=, as Kata
 * passes it, runs none).  JSON values are not parsed here: any tap or
 * bridge in one counts. */
static bool netdev_spawns(const char *v)
{
	size_t len;

	if (v[0] == '{')
		return strstr(v, "tap") != NULL || strstr(v, "bridge") != NULL;
	if (opt_is(v, "type", true, "bridge"))
		return true;
	if (!opt_is(v, "type", true, "tap"))
		return false;
	if (vp_qemu_opt_find(v, "helper", false, &len) != NULL)
		return true;
	if (vp_qemu_opt_find(v, "fd", false, &len) != NULL ||
	    vp_qemu_opt_find(v, "fds", false, &len) != NULL)
		return false;
	return !(opt_is(v, "script", false, "no") &&
		 opt_is(v, "downscript", false, "no"));
}

int vp_shim_add_sandbox(int argc, char *const argv[], struct vp_argv *out,
			struct vp_err *err)
{
	bool elevate = false, spawn = false, resources = false;

	for (int i = 0; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "";

		/* the runtime chose; never override it (an element that only
		 * looks like the option errs on the side of QEMU's default) */
		if (vp_qemu_is_opt(argv[i], "sandbox"))
			return 0;
		if (vp_qemu_is_opt(argv[i], "daemonize")) {
			/* QEMU forks and calls setsid() after the filter */
			spawn = elevate = true;
		} else if (vp_qemu_is_opt(argv[i], "runas") ||
			   vp_qemu_is_opt(argv[i], "chroot") ||
			   vp_qemu_is_opt(argv[i], "run-with")) {
			elevate = true; /* setuid/setgid/chroot late */
		} else if ((vp_qemu_is_opt(argv[i], "netdev") ||
			    vp_qemu_is_opt(argv[i], "nic") ||
			    vp_qemu_is_opt(argv[i], "net")) &&
			   netdev_spawns(v)) {
			spawn = true;
		} else if (vp_qemu_is_opt(argv[i], "object") &&
			   (opt_is(v, "qom-type", true, "thread-context") ||
			    (v[0] == '{' && strstr(v, "thread-context")))) {
			resources = true; /* it sets CPU affinity */
		}
	}
	if (vp_argv_push(out, "-sandbox", err) < 0)
		return -1;
	return vp_argv_pushf(out, err,
			     "on,obsolete=deny,elevateprivileges=%s,spawn=%s,"
			     "resourcecontrol=%s",
			     elevate ? "allow" : "deny",
			     spawn ? "allow" : "deny",
			     resources ? "allow" : "deny");
}
