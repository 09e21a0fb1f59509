/* fuzz_shim_argv.c - QEMU's argv as the runtime gives it to vnfplug-qemu
 * (vp_qemu_sandbox_id, vp_shim_build_argv).  The input is split on NUL
 * bytes into the arguments (argv[1..] of QEMU; "" is a valid argument).
 * The argv is rewritten three times: without a device list, with one that
 * needs no shared memory and with one that does (the fix-up path).
 *
 * Invariants:
 *  - a sandbox id that is found passes vp_valid_sandbox_id; none found
 *    means *id == NULL;
 *  - the output is qemu, then every input argument in order, then (only
 *    with shared memory, only when the input has no RAM backend) the four
 *    arguments of the added memfd backend, then the device list;
 *  - an input argument is changed only when it is the value of -object,
 *    only with shared memory, and only by rewriting its share= items to
 *    share=on or appending ",share=on" when it had none (just "share=on"
 *    after a trailing ','), and memory-backend-ram to memory-backend-memfd;
 *    afterwards every share= item is on and the type is not ram;
 *  - a failed rewrite leaves the output empty and says why.
 * Option strings are read with qemu_opts.h, the shim's own tokenizer
 * (test_qemu_opts holds that one to QEMU's rules).
 */
#include <stdbool.h>

#include "devlist.h"
#include "fuzz.h"
#include "qemu_argv.h"
#include "qemu_opts.h"
#include "validate.h"

#define QEMU "/usr/bin/qemu-system-x86_64"

static const char *const dl_args[] = {
    "-chardev", "socket,id=vpc0,path=/run/vnfplug/sockets/vp0.sock,server=on",
    "-netdev",	"vhost-user,id=vpn0,chardev=vpc0,queues=1",
    "-device",	"virtio-net-pci,netdev=vpn0,mac=02:00:00:00:00:01",
};

/* read-only after LLVMFuzzerInitialize */
static struct vp_devlist dl_plain, dl_shared;

static void make_devlist(struct vp_devlist *dl, bool shared)
{
	struct vp_err err = {0};

	dl->shared_memory = shared;
	dl->sandbox = strdup("fuzz-sandbox-0");
	for (size_t i = 0; i < sizeof(dl_args) / sizeof(dl_args[0]); i++)
		if (dl->sandbox == NULL ||
		    vp_argv_push(&dl->args, dl_args[i], &err) < 0) {
			fprintf(stderr, "fuzz_shim_argv: devlist: %s\n",
				err.msg);
			abort();
		}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	make_devlist(&dl_plain, false);
	make_devlist(&dl_shared, true);
	return 0;
}

static bool is_share(const char *p, size_t n)
{
	return n >= 6 && memcmp(p, "share=", 6) == 0;
}

static bool share_on(const char *p, size_t n)
{
	return vp_qemu_item_is(p, n, "share=on") ||
	       vp_qemu_item_is(p, n, "share=yes") ||
	       vp_qemu_item_is(p, n, "share=true") ||
	       vp_qemu_item_is(p, n, "share=y");
}

/* The qom-type item turned from ram into memfd (anonymous RAM has no fd
 * to share): the implied first item or a "qom-type=" one. */
static bool ram_to_memfd(const char *o, size_t on, const char *f, size_t fn,
			 bool first)
{
	if (first && vp_qemu_item_is(o, on, "memory-backend-ram") &&
	    vp_qemu_item_is(f, fn, "memory-backend-memfd"))
		return true;
	return vp_qemu_item_is(o, on, "qom-type=memory-backend-ram") &&
	       vp_qemu_item_is(f, fn, "qom-type=memory-backend-memfd");
}

/* The type QEMU creates: the last "qom-type=", else the first item when
 * it has no '=' (raw, still escaped). */
static bool type_is(const char *s, const char *want)
{
	size_t tn = 0;
	const char *t = vp_qemu_opt_find(s, "qom-type", true, &tn);

	return t != NULL && vp_qemu_item_is(t, tn, want);
}

/* `fixed` is `orig` with share= items forced on (or share=on appended),
 * and a ram backend made memfd. */
static void check_object_fix(const char *orig, const char *fixed)
{
	const char *o = orig, *f = fixed;
	bool had_share = false;

	FUZZ_CHECK(strcmp(orig, fixed) != 0, "unchanged value replaced");
	for (;;) {
		size_t on = vp_qemu_item_len(o), fn = vp_qemu_item_len(f);

		if (is_share(o, on)) {
			had_share = true;
			FUZZ_CHECK((on == fn && memcmp(o, f, on) == 0 &&
				    share_on(o, on)) ||
				       vp_qemu_item_is(f, fn, "share=on"),
				   "`%s` -> `%s`: share item", orig, fixed);
		} else if (ram_to_memfd(o, on, f, fn, o == orig)) {
			/* memory-backend-ram -> memory-backend-memfd */
		} else if (on == 0 && o[on] == '\0' && !had_share &&
			   vp_qemu_item_is(f, fn, "share=on") &&
			   f[fn] == '\0') {
			/* "id=m," -> "id=m,share=on": QEMU allows a trailing
			 * ',', the empty item it ends is where share goes */
		} else {
			FUZZ_CHECK(on == fn && memcmp(o, f, on) == 0,
				   "`%s` -> `%s`: item changed", orig, fixed);
		}
		if (o[on] == '\0') {
			f += fn;
			break;
		}
		FUZZ_CHECK(f[fn] == ',', "`%s` -> `%s`: fewer items", orig,
			   fixed);
		o += on + 1;
		f += fn + 1;
	}
	if (*f != '\0') {
		FUZZ_CHECK(!had_share && strcmp(f, ",share=on") == 0,
			   "`%s` -> `%s`: appended `%s`", orig, fixed, f);
	}
	FUZZ_CHECK(!type_is(fixed, "memory-backend-ram"),
		   "`%s` -> `%s`: still a ram backend", orig, fixed);
	for (f = fixed;; f += vp_qemu_item_len(f) + 1) {
		size_t n = vp_qemu_item_len(f);

		FUZZ_CHECK(!is_share(f, n) || share_on(f, n),
			   "`%s`: a share item left off", fixed);
		if (f[n] == '\0')
			break;
	}
}

/* "memory-backend-memfd,id=vp-mem,size=<n>[M],share=on" */
static void check_added_backend(char **v)
{
	static const char pre[] = "memory-backend-memfd,id=vp-mem,size=";
	const char *p = v[1];
	size_t digits;

	FUZZ_CHECK(strcmp(v[0], "-object") == 0, "added `%s`", v[0]);
	FUZZ_CHECK(strncmp(p, pre, sizeof(pre) - 1) == 0, "added `%s`", p);
	p += sizeof(pre) - 1;
	digits = strspn(p, "0123456789");
	FUZZ_CHECK(digits > 0 && p[0] != '0', "size in `%s`", v[1]);
	p += digits;
	if (*p == 'M')
		p++;
	FUZZ_CHECK(strcmp(p, ",share=on") == 0, "added `%s`", v[1]);
	FUZZ_CHECK(strcmp(v[2], "-machine") == 0 &&
		       strcmp(v[3], "memory-backend=vp-mem") == 0,
		   "added `%s %s`", v[2], v[3]);
}

static void check_build(int argc, char **argv, const struct vp_devlist *dl)
{
	struct vp_argv out = {0};
	struct vp_err err = {0};
	bool shared = dl != NULL && dl->shared_memory;
	size_t n_dl = dl != NULL ? dl->args.n : 0, extra;

	if (vp_shim_build_argv(QEMU, argc, argv, dl, &out, &err) < 0) {
		FUZZ_CHECK(shared, "failed without shared memory: %s", err.msg);
		FUZZ_CHECK(err.msg[0] != '\0', "error without a message");
		FUZZ_CHECK(out.v == NULL && out.n == 0, "failure left output");
		return;
	}
	FUZZ_CHECK(out.n >= 1 + (size_t)argc + n_dl, "n %zu argc %d", out.n,
		   argc);
	FUZZ_CHECK(out.v[out.n] == NULL, "not NULL-terminated");
	FUZZ_CHECK(strcmp(out.v[0], QEMU) == 0, "argv[0] `%s`", out.v[0]);
	extra = out.n - 1 - (size_t)argc - n_dl;
	FUZZ_CHECK(extra == 0 || (shared && extra == 4), "%zu extra", extra);
	for (int i = 0; i < argc; i++) {
		const char *got = out.v[1 + i];

		if (strcmp(got, argv[i]) == 0)
			continue;
		FUZZ_CHECK(shared && i > 0 &&
			       vp_qemu_is_opt(argv[i - 1], "object"),
			   "argument %d `%s` became `%s`", i, argv[i], got);
		check_object_fix(argv[i], got);
	}
	if (extra == 4)
		check_added_backend(&out.v[1 + argc]);
	for (size_t i = 0; i < n_dl; i++)
		FUZZ_CHECK(strcmp(out.v[out.n - n_dl + i], dl->args.v[i]) == 0,
			   "device list argument %zu", i);
	vp_argv_free(&out);
}

static void check_sandbox_id(int argc, char **argv)
{
	char *id = (char *)"unset";
	struct vp_err err = {0};
	int r = vp_qemu_sandbox_id(argc, argv, &id, &err);

	if (r == 1) {
		FUZZ_CHECK(id != NULL && vp_valid_sandbox_id(id), "id");
	} else {
		FUZZ_CHECK(id == NULL, "id left set (r=%d)", r);
		FUZZ_CHECK(r == 0 || err.msg[0] != '\0', "error w/o message");
	}
	free(id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, **argv;
	int argc = 0;

	if (size > 64 * 1024)
		return 0;
	buf = fuzz_strndup(data, size);
	argv = calloc(size + 2, sizeof(*argv));
	if (buf == NULL || argv == NULL)
		goto out;
	if (size > 0) {
		char *p = buf, *end = buf + size;

		for (;;) {
			argv[argc++] = p;
			p += strlen(p);
			if (p == end)
				break;
			p++; /* the NUL separating two arguments */
		}
	}
	check_sandbox_id(argc, argv);
	check_build(argc, argv, NULL);
	check_build(argc, argv, &dl_plain);
	check_build(argc, argv, &dl_shared);
out:
	free(argv);
	free(buf);
	return 0;
}
