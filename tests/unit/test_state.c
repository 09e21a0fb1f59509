/* test_state.c - OCI state parsing and completion from the bundle's
 * config.json and the runtime's command line (fixture proc roots in a
 * temp dir). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "tu.h"
#include "tu_files.h"

struct fx {
	char *dir;    /* temp root */
	char *proc;   /* <dir>/proc */
	char *bundle; /* <dir>/bundle, holds config.json */
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	fx->dir = tu_mkdtemp();
	fx->proc = tu_join(fx->dir, "proc");
	fx->bundle = tu_join(fx->dir, "bundle");
	tu_mkdir_in(fx->dir, "proc");
	tu_mkdir_in(fx->dir, "bundle");
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	tu_rmtree(fx->dir);
	free(fx->dir);
	free(fx->proc);
	free(fx->bundle);
	free(fx);
	return 0;
}

static void parse_ok(const char *text, struct vp_state *st)
{
	struct vp_err err = {0};

	tu_assert_ok(vp_state_parse(text, strlen(text), st, &err), err);
}

static void parse_bad(const char *text, const char *sub)
{
	struct vp_state st;
	struct vp_err err = {0};

	tu_assert_err(vp_state_parse(text, strlen(text), &st, &err), err, sub);
	assert_null(st.id);
	assert_null(st.annotations);
}

/* A fixture /proc/<pid>/cmdline from NUL-separated arguments. */
static void write_cmdline(const struct fx *fx, int pid, const char *const *argv)
{
	char name[32], buf[4096];
	size_t len = 0;

	snprintf(name, sizeof(name), "%d", pid);
	tu_mkdir_in(fx->proc, name);
	for (size_t i = 0; argv[i] != NULL; i++) {
		size_t n = strlen(argv[i]) + 1;

		assert_true(len + n <= sizeof(buf));
		memcpy(buf + len, argv[i], n);
		len += n;
	}
	snprintf(name, sizeof(name), "%d/cmdline", pid);
	tu_write_bytes(fx->proc, name, buf, len);
}

static void write_config_json(const struct fx *fx, const char *text)
{
	tu_write_bytes(fx->bundle, "config.json", text, strlen(text));
}

static void test_parse_full(void **state)
{
	struct vp_state st;

	(void)state;
	parse_ok(
	    "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"created\","
	    "\"pid\":4242,\"bundle\":\"/run/b/c1\",\"annotations\":"
	    "{\"io.vnfplug.networks\":\"[]\",\"x\":\"y\"},"
	    "\"runtimeExtra\":{\"anything\":[1,2]}}",
	    &st);
	assert_string_equal(st.oci_version, "1.0.2");
	assert_string_equal(st.id, "c1");
	assert_string_equal(st.status, "created");
	assert_string_equal(st.bundle, "/run/b/c1");
	assert_int_equal(st.pid, 4242);
	assert_true(st.has_annotations);
	assert_int_equal(st.n_annotations, 2);
	assert_string_equal(vp_state_annotation(&st, "io.vnfplug.networks"),
			    "[]");
	assert_string_equal(vp_state_annotation(&st, "x"), "y");
	assert_null(vp_state_annotation(&st, "z"));
	vp_state_free(&st);
	assert_null(st.id);
	vp_state_free(&st);
}

static void test_parse_minimal(void **state)
{
	struct vp_state st;

	(void)state;
	parse_ok("{\"pid\":77}", &st); /* cc-runtime */
	assert_int_equal(st.pid, 77);
	assert_null(st.id);
	assert_null(st.bundle);
	assert_false(st.has_annotations);
	vp_state_free(&st);

	parse_ok("{}", &st);
	assert_int_equal(st.pid, 0);
	vp_state_free(&st);

	/* null is absent, an empty object is present */
	parse_ok("{\"id\":null,\"annotations\":null,\"pid\":null}", &st);
	assert_null(st.id);
	assert_false(st.has_annotations);
	vp_state_free(&st);
	parse_ok("{\"annotations\":{}}", &st);
	assert_true(st.has_annotations);
	assert_int_equal(st.n_annotations, 0);
	vp_state_free(&st);
}

static void test_parse_hostile(void **state)
{
	(void)state;
	parse_bad("", "invalid JSON: parse error: premature EOF");
	parse_bad("{\"id\":\"c1\"", "invalid JSON");
	parse_bad("[]", "must be a JSON object, got array");
	parse_bad("{\"id\":\"a\",\"id\":\"b\"}", "duplicate key `id`");
	parse_bad("{\"id\":\"a\\u0000b\"}", "string contains NUL");
	parse_bad("{\"id\":\"\xff\"}", "invalid JSON");
	parse_bad("{\"pid\":1} {\"pid\":2}", "trailing garbage");
	parse_bad("{\"id\":5}", "id: must be a string, got number");
	parse_bad("{\"bundle\":[]}", "bundle: must be a string");
	parse_bad("{\"status\":true}", "status: must be a string");
	parse_bad("{\"ociVersion\":{}}", "ociVersion:");
	parse_bad("{\"pid\":\"1\"}", "pid: must be an integer, got string");
	parse_bad("{\"pid\":-1}",
		  "pid: must be between 0 and 2147483647, got -1");
	parse_bad("{\"pid\":4294967297}", "pid: must be between");
	parse_bad("{\"pid\":1.5}", "pid: must be an integer, got 1.5");
	parse_bad("{\"annotations\":[]}",
		  "annotations: must be an object, got array");
	parse_bad("{\"annotations\":{\"a\":\"b\",\"c\":1}}",
		  "annotations.c: must be a string, got number");
	parse_bad("{\"annotations\":{\"k\\n\":{}}}",
		  "annotations.k?: must be a string, got object");
	parse_bad("{\"annotations\":{\"a\":\"1\",\"a\":\"2\"}}",
		  "duplicate key `a`");
}

static void test_config_json_fallback(void **state)
{
	struct fx *fx = *state;
	struct vp_state st;
	struct vp_err err = {0};
	char doc[512];

	write_config_json(fx, "{\"ociVersion\":\"1.0.0\",\"process\":{},"
			      "\"annotations\":{\"io.vnfplug.networks\":"
			      "\"[{\\\"network\\\":\\\"chain\\\"}]\"}}");
	snprintf(doc, sizeof(doc),
		 "{\"id\":\"c1\",\"pid\":1,\"bundle\":\"%s\"}", fx->bundle);
	parse_ok(doc, &st);
	tu_assert_ok(vp_state_complete(&st, fx->proc, &err), err);
	assert_string_equal(vp_state_annotation(&st, "io.vnfplug.networks"),
			    "[{\"network\":\"chain\"}]");
	assert_false(st.has_annotations); /* the state itself had none */
	vp_state_free(&st);

	/* annotations in the state win; config.json is not read */
	snprintf(doc, sizeof(doc),
		 "{\"id\":\"c1\",\"bundle\":\"%s\",\"annotations\":{}}",
		 fx->bundle);
	parse_ok(doc, &st);
	write_config_json(fx, "not json");
	tu_assert_ok(vp_state_complete(&st, fx->proc, &err), err);
	assert_int_equal(st.n_annotations, 0);
	vp_state_free(&st);

	/* ... but without them a broken config.json is an error */
	snprintf(doc, sizeof(doc), "{\"id\":\"c1\",\"bundle\":\"%s\"}",
		 fx->bundle);
	parse_ok(doc, &st);
	tu_assert_err(vp_state_complete(&st, fx->proc, &err), err,
		      "bundle config `");
	assert_non_null(strstr(err.msg, "invalid JSON"));
	vp_state_free(&st);

	write_config_json(fx, "{\"annotations\":{\"a\":1}}");
	parse_ok(doc, &st);
	tu_assert_err(
	    vp_state_complete(&st, fx->proc, &err), err,
	    "config.json: annotations.a: must be a string, got number");
	vp_state_free(&st);

	write_config_json(fx, "[]");
	parse_ok(doc, &st);
	tu_assert_err(vp_state_complete(&st, fx->proc, &err), err,
		      "must be a JSON object, got array");
	vp_state_free(&st);

	/* config.json without annotations: none, not an error */
	write_config_json(fx, "{\"ociVersion\":\"1.0.0\"}");
	parse_ok(doc, &st);
	tu_assert_ok(vp_state_complete(&st, fx->proc, &err), err);
	assert_int_equal(st.n_annotations, 0);
	vp_state_free(&st);
}

static void test_config_json_missing(void **state)
{
	struct fx *fx = *state;
	struct vp_state st;
	struct vp_err err = {0};
	char doc[512];

	snprintf(doc, sizeof(doc), "{\"id\":\"c1\",\"bundle\":\"%s\"}",
		 fx->bundle);
	parse_ok(doc, &st);
	tu_assert_ok(vp_state_complete(&st, fx->proc, &err), err);
	assert_int_equal(st.n_annotations, 0);
	vp_state_free(&st);

	/* a bundle that is gone altogether: also no annotations */
	snprintf(doc, sizeof(doc), "{\"id\":\"c1\",\"bundle\":\"%s/nope\"}",
		 fx->bundle);
	parse_ok(doc, &st);
	tu_assert_ok(vp_state_complete(&st, fx->proc, &err), err);
	vp_state_free(&st);
}

static void test_config_json_symlink(void **state)
{
	struct fx *fx = *state;
	struct vp_state st;
	struct vp_err err = {0};
	char *real = tu_join(fx->dir, "real.json");
	char *link = tu_join(fx->bundle, "config.json");
	char doc[512];

	tu_write(real, "{\"annotations\":{\"io.vnfplug.networks\":\"[]\"}}",
		 0644);
	assert_int_equal(symlink(real, link), 0);
	snprintf(doc, sizeof(doc), "{\"id\":\"c1\",\"bundle\":\"%s\"}",
		 fx->bundle);
	parse_ok(doc, &st);
	tu_assert_err(vp_state_complete(&st, fx->proc, &err), err,
		      "bundle config: open `");
	assert_int_equal(err.errnum, ELOOP);
	assert_int_equal(st.n_annotations, 0);
	vp_state_free(&st);

	/* a directory in its place is refused too */
	assert_int_equal(unlink(link), 0);
	tu_mkdir_in(fx->bundle, "config.json");
	parse_ok(doc, &st);
	tu_assert_err(vp_state_complete(&st, fx->proc, &err), err,
		      "is not a regular file");
	vp_state_free(&st);
	free(real);
	free(link);
}

static void test_relative_bundle(void **state)
{
	struct fx *fx = *state;
	struct vp_state st;
	struct vp_err err = {0};

	parse_ok("{\"id\":\"c1\",\"bundle\":\"bundle\"}", &st);
	tu_assert_err(vp_state_complete(&st, fx->proc, &err), err,
		      "bundle `bundle` is not an absolute path");
	vp_state_free(&st);
}

static void test_cc_runtime_cmdline(void **state)
{
	struct fx *fx = *state;
	struct vp_state st;
	struct vp_err err = {0};
	const char *argv[] = {
	    "/usr/bin/cc-runtime",
	    "--root",
	    "/run/cc-runtime",
	    "--log",
	    "/var/run/cc/log.json",
	    "--log-format",
	    "json",
	    "create",
	    "--bundle",
	    fx->bundle,
	    "--pid-file",
	    "/run/cc/pid",
	    "--console-socket",
	    "/tmp/console.sock",
	    "--no-pivot",
	    "4f8c1b0e3a2d",
	    NULL,
	};

	write_cmdline(fx, 4242, argv);
	write_config_json(fx, "{\"annotations\":{\"io.vnfplug.networks\":"
			      "\"[]\"}}");
	parse_ok("{\"pid\":4242}", &st);
	tu_assert_ok(vp_state_complete(&st, fx->proc, &err), err);
	assert_string_equal(st.id, "4f8c1b0e3a2d");
	assert_string_equal(st.bundle, fx->bundle);
	assert_string_equal(vp_state_annotation(&st, "io.vnfplug.networks"),
			    "[]");
	vp_state_free(&st);

	/* an id in the state is kept; only the bundle is filled */
	parse_ok("{\"pid\":4242,\"id\":\"given\"}", &st);
	tu_assert_ok(vp_state_complete(&st, fx->proc, &err), err);
	assert_string_equal(st.id, "given");
	assert_string_equal(st.bundle, fx->bundle);
	vp_state_free(&st);
}

static void test_cmdline_forms(void **state)
{
	struct fx *fx = *state;
	struct vp_state st;
	struct vp_err err = {0};
	char *eq = NULL;
	const char *a1[] = {"kata-runtime",
			    "--kata-config",
			    "/etc/kata/c.toml",
			    "create",
			    "-b",
			    fx->bundle,
			    "id-b",
			    NULL};
	const char *a2[] = {"cc-runtime",    "create", NULL,
			    "--pid-file=/p", "id-eq",  NULL};
	const char *a3[] = {"cc-runtime", "-root=/r", "start",	 "-bundle",
			    fx->bundle,	  "--",	      "-odd-id", NULL};

	assert_true(asprintf(&eq, "--bundle=%s", fx->bundle) > 0);
	a2[2] = eq;
	write_cmdline(fx, 101, a1);
	write_cmdline(fx, 102, a2);
	write_cmdline(fx, 103, a3);

	parse_ok("{\"pid\":101}", &st);
	tu_assert_ok(vp_state_complete(&st, fx->proc, &err), err);
	assert_string_equal(st.id, "id-b");
	assert_string_equal(st.bundle, fx->bundle);
	vp_state_free(&st);

	parse_ok("{\"pid\":102}", &st);
	tu_assert_ok(vp_state_complete(&st, fx->proc, &err), err);
	assert_string_equal(st.id, "id-eq");
	assert_string_equal(st.bundle, fx->bundle);
	vp_state_free(&st);

	parse_ok("{\"pid\":103}", &st);
	tu_assert_ok(vp_state_complete(&st, fx->proc, &err), err);
	assert_string_equal(st.id, "-odd-id"); /* found; refused later */
	assert_string_equal(st.bundle, fx->bundle);
	vp_state_free(&st);
	free(eq);
}

static void test_cmdline_bundle_from_cwd(void **state)
{
	struct fx *fx = *state;
	struct vp_state st;
	struct vp_err err = {0};
	const char *no_bundle[] = {"cc-runtime", "create", "c9", NULL};
	const char *rel_bundle[] = {"cc-runtime", "create", "--bundle",
				    "bundle",	  "c9",	    NULL};
	char *cwd = tu_join(fx->proc, "201/cwd");
	char *want = tu_join(fx->dir, "bundle");

	/* runc-style runtimes default the bundle to their cwd */
	write_cmdline(fx, 201, no_bundle);
	assert_int_equal(symlink(fx->bundle, cwd), 0);
	parse_ok("{\"pid\":201}", &st);
	tu_assert_ok(vp_state_complete(&st, fx->proc, &err), err);
	assert_string_equal(st.bundle, fx->bundle);
	vp_state_free(&st);
	free(cwd);

	/* and take a relative one relative to it */
	write_cmdline(fx, 202, rel_bundle);
	cwd = tu_join(fx->proc, "202/cwd");
	assert_int_equal(symlink(fx->dir, cwd), 0);
	parse_ok("{\"pid\":202}", &st);
	tu_assert_ok(vp_state_complete(&st, fx->proc, &err), err);
	assert_string_equal(st.bundle, want);
	assert_string_equal(st.id, "c9");
	vp_state_free(&st);
	free(cwd);
	free(want);

	/* no cwd link: the bundle can not be found */
	write_cmdline(fx, 203, no_bundle);
	parse_ok("{\"pid\":203}", &st);
	tu_assert_err(
	    vp_state_complete(&st, fx->proc, &err), err,
	    "OCI state lacks bundle or id: bundle of pid 203: readlink");
	vp_state_free(&st);
}

static void test_cmdline_failures(void **state)
{
	struct fx *fx = *state;
	struct vp_state st;
	struct vp_err err = {0};
	const char *only_sub[] = {"cc-runtime", "--root", "/r", "create",
				  "--bundle",	"/b",	  NULL};
	const char *nothing[] = {"cc-runtime", NULL};

	/* the runtime is gone */
	parse_ok("{\"pid\":999}", &st);
	tu_assert_err(
	    vp_state_complete(&st, fx->proc, &err), err,
	    "OCI state lacks bundle or id: runtime command line: open `");
	assert_int_equal(err.errnum, ENOENT);
	vp_state_free(&st);

	write_cmdline(fx, 301, only_sub);
	parse_ok("{\"pid\":301}", &st);
	tu_assert_err(vp_state_complete(&st, fx->proc, &err), err,
		      "names no container id");
	vp_state_free(&st);

	write_cmdline(fx, 302, nothing);
	parse_ok("{\"pid\":302}", &st);
	tu_assert_err(vp_state_complete(&st, fx->proc, &err), err,
		      "names no container id");
	vp_state_free(&st);

	/* empty cmdline (a zombie) */
	tu_mkdir_in(fx->proc, "303");
	tu_write_bytes(fx->proc, "303/cmdline", "", 0);
	parse_ok("{\"pid\":303}", &st);
	tu_assert_err(vp_state_complete(&st, fx->proc, &err), err,
		      "names no container id");
	vp_state_free(&st);

	/* the last argument without its NUL is still read whole */
	tu_mkdir_in(fx->proc, "304");
	tu_write_bytes(fx->proc, "304/cmdline",
		       "cc\0create\0--bundle\0/nonexistent\0abc", 35);
	parse_ok("{\"pid\":304}", &st);
	tu_assert_ok(vp_state_complete(&st, fx->proc, &err), err);
	assert_string_equal(st.id, "abc");
	assert_string_equal(st.bundle, "/nonexistent");
	vp_state_free(&st);

	/* pid 0 and nothing else: nothing to complete from */
	parse_ok("{}", &st);
	tu_assert_ok(vp_state_complete(&st, fx->proc, &err), err);
	assert_null(st.id);
	vp_state_free(&st);
}

/* A bundle path is the runtime's (a plain runc user's) text: messages
 * show it printable. */
static void test_bundle_path_printable(void **state)
{
	struct fx *fx = *state;
	struct vp_state st;
	struct vp_err err = {0};
	char text[512];

	tu_mkdir_in(fx->dir, "b\033[2J\r");
	{
		char *dir = tu_join(fx->dir, "b\033[2J\r");

		tu_write_bytes(dir, "config.json", "[]", 2);
		free(dir);
	}
	snprintf(text, sizeof(text),
		 "{\"id\":\"c\",\"bundle\":\"%s/b\\u001b[2J\\r\"}", fx->dir);
	parse_ok(text, &st);
	tu_assert_err(vp_state_complete(&st, fx->proc, &err), err,
		      "/b?[2J?/config.json`: must be a JSON object, got array");
	vp_state_free(&st);

	tu_write_bytes(fx->bundle, "config.json", "{\"annotations\":[", 16);
	snprintf(text, sizeof(text), "{\"id\":\"c\",\"bundle\":\"%s\"}",
		 fx->bundle);
	parse_ok(text, &st);
	tu_assert_err(vp_state_complete(&st, fx->proc, &err), err,
		      "bundle config `");
	for (const char *p = err.msg; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	vp_state_free(&st);
}

/* The sandbox a state names, with the runtime and type it came from. */
static void sandbox_ok(const char *text, const char *id, const char *runtime,
		       const char *type)
{
	struct vp_state st;
	struct vp_sandbox_ref ref;
	struct vp_err err = {0};

	parse_ok(text, &st);
	tu_assert_ok(vp_state_sandbox(&st, &ref, &err), err);
	assert_string_equal(ref.id, id);
	if (runtime == NULL)
		assert_null(ref.runtime);
	else
		assert_string_equal(ref.runtime, runtime);
	if (type == NULL)
		assert_null(ref.type);
	else
		assert_string_equal(ref.type, type);
	vp_state_free(&st);
}

static void sandbox_bad(const char *text, const char *sub)
{
	struct vp_state st;
	struct vp_err err = {0};
	const char *id = NULL;

	parse_ok(text, &st);
	tu_assert_err(vp_state_sandbox_id(&st, &id, &err), err, sub);
	vp_state_free(&st);
}

#define CRIO_V                                                                 \
	"\"io.kubernetes.cri-o.SandboxID\":\"v-infra\","                       \
	"\"io.kubernetes.cri-o.ContainerType\":\"sandbox\""
#define CRIO_A                                                                 \
	"\"io.kubernetes.cri-o.SandboxID\":\"a-infra\","                       \
	"\"io.kubernetes.cri-o.ContainerType\":\"container\""

static void test_sandbox_id(void **state)
{
	(void)state;
	/* no runtime's keys: the container is its own sandbox */
	sandbox_ok("{\"id\":\"ctr1\"}", "ctr1", NULL, NULL);
	sandbox_ok("{\"id\":\"ctr1\",\"annotations\":{}}", "ctr1", NULL, NULL);

	/* each runtime's pair */
	sandbox_ok("{\"id\":\"app1\",\"annotations\":{"
		   "\"io.kubernetes.cri.sandbox-id\":\"pod1\","
		   "\"io.kubernetes.cri.container-type\":\"container\"}}",
		   "pod1", "containerd", "container");
	sandbox_ok("{\"id\":\"app2\",\"annotations\":{" CRIO_V "}}", "v-infra",
		   "CRI-O", "sandbox");
	sandbox_ok("{\"id\":\"app3\",\"annotations\":{"
		   "\"io.kubernetes.sandbox.id\":\"pod3\","
		   "\"io.kubernetes.docker.type\":\"podsandbox\"}}",
		   "pod3", "Docker", "podsandbox");
	/* a type without a sandbox id: the container id, that runtime's type */
	sandbox_ok("{\"id\":\"ctr4\",\"annotations\":{"
		   "\"io.kubernetes.cri.container-type\":\"container\"}}",
		   "ctr4", "containerd", "container");
	/* a plain runc container may name any sandbox: a grouping hint that
	 * gives it no ownership (vp_state_is_owner) */
	sandbox_ok("{\"id\":\"stranger\",\"annotations\":{"
		   "\"io.kubernetes.cri.sandbox-id\":\"v-infra\"}}",
		   "v-infra", "containerd", NULL);

	/* two runtimes' keys that agree are harmless; the pair with both
	 * keys is used, never a mix */
	sandbox_ok("{\"id\":\"c\",\"annotations\":{" CRIO_V ","
		   "\"io.kubernetes.cri.sandbox-id\":\"v-infra\"}}",
		   "v-infra", "CRI-O", "sandbox");
	sandbox_ok("{\"id\":\"c\",\"annotations\":{" CRIO_V ","
		   "\"io.kubernetes.sandbox.id\":\"v-infra\","
		   "\"io.kubernetes.docker.type\":\"podsandbox\"}}",
		   "v-infra", "CRI-O", "sandbox");

	/* the reproduced attack: CRI-O keys of the attacker's own pod plus
	 * containerd's keys naming the victim's sandbox as its owner */
	sandbox_bad("{\"id\":\"evil\",\"annotations\":{" CRIO_A ","
		    "\"io.kubernetes.cri.sandbox-id\":\"v-infra\","
		    "\"io.kubernetes.cri.container-type\":\"sandbox\"}}",
		    "annotations of two runtimes disagree: "
		    "io.kubernetes.cri.sandbox-id is `v-infra`, "
		    "io.kubernetes.cri-o.SandboxID is `a-infra`");
	/* each key alone */
	sandbox_bad("{\"id\":\"evil\",\"annotations\":{" CRIO_A ","
		    "\"io.kubernetes.cri.sandbox-id\":\"v-infra\"}}",
		    "io.kubernetes.cri.sandbox-id is `v-infra`");
	sandbox_bad("{\"id\":\"evil\",\"annotations\":{" CRIO_A ","
		    "\"io.kubernetes.cri.container-type\":\"sandbox\"}}",
		    "io.kubernetes.cri.container-type is `sandbox`, "
		    "io.kubernetes.cri-o.ContainerType is `container`");
	sandbox_bad("{\"id\":\"evil\",\"annotations\":{" CRIO_A ","
		    "\"io.kubernetes.sandbox.id\":\"v-infra\"}}",
		    "io.kubernetes.cri-o.SandboxID is `a-infra`, "
		    "io.kubernetes.sandbox.id is `v-infra`");
	sandbox_bad("{\"id\":\"evil\",\"annotations\":{"
		    "\"io.kubernetes.cri.sandbox-id\":\"a\","
		    "\"io.kubernetes.sandbox.id\":\"b\\u001b[2J\"}}",
		    "io.kubernetes.sandbox.id is `b?[2J`");

	/* the container id is required, ids must be valid */
	sandbox_bad("{\"annotations\":{}}", "OCI state has no container id");
	sandbox_bad("{\"annotations\":{"
		    "\"io.kubernetes.cri.sandbox-id\":\"pod1\"}}",
		    "OCI state has no container id");
	sandbox_bad("{\"id\":\"../../etc\"}",
		    "container id: `../../etc` is not a valid sandbox id");
	sandbox_bad("{\"id\":\"ok\",\"annotations\":{"
		    "\"io.kubernetes.cri.sandbox-id\":\"a/b\\n\"}}",
		    "io.kubernetes.cri.sandbox-id: `a/b?` is not a valid "
		    "sandbox id");
	sandbox_bad("{\"id\":\"\"}", "is not a valid sandbox id");
}

/* A fixture /proc/<pid>/stat with start time `start` (field 22). */
static void write_stat(const struct fx *fx, int pid, unsigned long long start)
{
	char name[32], text[256];

	snprintf(name, sizeof(name), "%d", pid);
	tu_mkdir_in(fx->proc, name);
	snprintf(name, sizeof(name), "%d/stat", pid);
	snprintf(text, sizeof(text),
		 "%d (sh) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 %llu 0 0\n",
		 pid, start);
	tu_write_bytes(fx->proc, name, text, strlen(text));
}

static bool owner(const struct fx *fx, const char *text, const char *rec_ctr,
		  int rec_pid, unsigned long long rec_start,
		  const char *why_sub)
{
	struct vp_state st;
	char why[256] = "";
	bool r;

	parse_ok(text, &st);
	r = vp_state_is_owner(&st, fx->proc, rec_ctr, rec_pid, rec_start, why,
			      sizeof(why));
	vp_state_free(&st);
	if (why_sub != NULL && strstr(why, why_sub) == NULL) {
		print_error("why \"%s\" lacks \"%s\"\n", why, why_sub);
		fail();
	}
	for (const char *p = why; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	return r;
}

static void test_is_owner(void **state)
{
	struct fx *fx = *state;

	write_stat(fx, 100, 5000);
	/* runc's poststop state has no pid: the container id decides */
	assert_true(owner(fx, "{\"id\":\"infra\"}", "infra", 100, 5000, NULL));
	assert_false(owner(fx, "{\"id\":\"app\"}", "infra", 100, 5000,
			   "container app is not infra, which set it up"));
	/* annotations never make an owner */
	assert_false(owner(fx,
			   "{\"id\":\"stranger\",\"annotations\":{"
			   "\"io.kubernetes.cri.sandbox-id\":\"infra\","
			   "\"io.kubernetes.cri.container-type\":\"sandbox\"}}",
			   "infra", 100, 5000, "not infra"));
	assert_false(owner(fx, "{\"id\":\"infra\"}", NULL, 0, 0,
			   "the record names no owner container"));
	assert_false(owner(fx, "{\"pid\":100}", "infra", 100, 5000, "(null)"));

	/* the recorded pid: the same process, or gone */
	assert_true(owner(fx, "{\"id\":\"infra\",\"pid\":100}", "infra", 100,
			  5000, NULL));
	assert_true(owner(fx, "{\"id\":\"infra\",\"pid\":101}", "infra", 101,
			  5000, NULL));
	assert_false(owner(fx, "{\"id\":\"infra\",\"pid\":100}", "infra", 100,
			   4000, "pid 100 of container infra is no longer"));
	/* no start time recorded: nothing to compare */
	assert_true(
	    owner(fx, "{\"id\":\"infra\",\"pid\":100}", "infra", 100, 0, NULL));
	/* cc-runtime, Kata: the state's pid is the runtime's own process or
	 * thread, another one than at prestart */
	write_stat(fx, 200, 9000);
	assert_true(owner(fx, "{\"id\":\"infra\",\"pid\":200}", "infra", 100,
			  5000, NULL));

	/* a hostile container id is shown printable */
	assert_false(owner(fx, "{\"id\":\"ctr\\u001b[2J\\u001b[31mFORGED\\r\"}",
			   "infra", 0, 0,
			   "container ctr?[2J?[31mFORGED? is not"));
	assert_false(owner(fx, "{\"id\":\"x\"}", "ctr\033[2J\r", 0, 0,
			   "is not ctr?[2J?, which"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_full),
	    cmocka_unit_test(test_parse_minimal),
	    cmocka_unit_test(test_parse_hostile),
	    cmocka_unit_test_setup_teardown(test_config_json_fallback, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_config_json_missing, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_config_json_symlink, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_relative_bundle, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_cc_runtime_cmdline, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_cmdline_forms, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_cmdline_bundle_from_cwd, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_cmdline_failures, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_path_printable, setup,
					    teardown),
	    cmocka_unit_test(test_sandbox_id),
	    cmocka_unit_test_setup_teardown(test_is_owner, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
