/* json.c - strict JSON parser and writer on top of yajl (see json.h).
 *
 * The only file that includes yajl.  Parsing uses yajl's callback API, not
 * yajl_tree, so the checks yajl does not make (duplicate keys, NUL inside
 * strings, nesting depth, non-finite numbers) happen while the tree is
 * built, and the first failure cancels the parse with our own message.
 */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "cleanup.h"
#include "validate.h"

/* One open array or object.  Capacities live here rather than in the tree
 * so the public struct stays plain. */
struct frame {
	struct vp_json *node;
	size_t cap;
	char *key; /* object member waiting for its value */
};

struct parser {
	struct vp_json *root;
	struct frame stack[VP_JSON_MAX_DEPTH];
	size_t depth;
	char msg[VP_ERR_MSG_MAX]; /* set when a callback cancels */
	int errnum;
};

static void fail(struct parser *p, int errnum, const char *msg)
{
	if (p->msg[0] != '\0')
		return;
	p->errnum = errnum;
	snprintf(p->msg, sizeof(p->msg), "%s", msg);
}

static void *grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *narr;

	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 4;
	narr = reallocarray(arr, ncap, elem);
	if (narr != NULL)
		*cap = ncap;
	return narr;
}

/* Attach a finished value to the open container (or make it the root).
 * Takes ownership of v in every case. */
static int add_value(struct parser *p, struct vp_json *v)
{
	struct frame *f;
	struct vp_json *c;

	if (v == NULL) {
		fail(p, ENOMEM, "out of memory");
		return 0;
	}
	if (p->depth == 0) {
		p->root = v;
		return 1;
	}
	f = &p->stack[p->depth - 1];
	c = f->node;
	if (c->type == VP_JSON_ARRAY) {
		void *items = grow(c->u.arr.items, &f->cap, c->u.arr.n,
				   sizeof(*c->u.arr.items));
		if (items == NULL)
			goto oom;
		c->u.arr.items = items;
		c->u.arr.items[c->u.arr.n++] = v;
		return 1;
	}
	if (f->key == NULL) { /* yajl guarantees a key first; be safe */
		vp_json_free(v);
		fail(p, 0, "value without key");
		return 0;
	}
	if (c->u.obj.n == f->cap) {
		size_t cap = f->cap;
		void *keys = grow(c->u.obj.keys, &cap, c->u.obj.n,
				  sizeof(*c->u.obj.keys));
		void *vals;

		if (keys == NULL)
			goto oom;
		c->u.obj.keys = keys;
		cap = f->cap;
		vals = grow(c->u.obj.vals, &cap, c->u.obj.n,
			    sizeof(*c->u.obj.vals));
		if (vals == NULL)
			goto oom;
		c->u.obj.vals = vals;
		f->cap = cap;
	}
	c->u.obj.keys[c->u.obj.n] = vp_steal_ptr(&f->key);
	c->u.obj.vals[c->u.obj.n++] = v;
	return 1;
oom:
	vp_json_free(v);
	fail(p, ENOMEM, "out of memory");
	return 0;
}

static struct vp_json *new_node(enum vp_json_type t)
{
	struct vp_json *v = calloc(1, sizeof(*v));

	if (v != NULL)
		v->type = t;
	return v;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
 * yajl's own check passes surrogates that arrive as \u escapes. */
static bool utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* Checks shared by keys and string values; returns a copy or NULL. */
static char *take_string(struct parser *p, const unsigned char *s, size_t len)
{
	char *copy;

	if (memchr(s, '\0', len) != NULL) {
		fail(p, 0, "string contains NUL (\\u0000)");
		return NULL;
	}
	if (!utf8_valid(s, len)) {
		fail(p, 0, "string is not valid UTF-8");
		return NULL;
	}
	copy = malloc(len + 1);
	if (copy == NULL) {
		fail(p, ENOMEM, "out of memory");
		return NULL;
	}
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

static int cb_null(void *ctx)
{
	return add_value(ctx, new_node(VP_JSON_NULL));
}

static int cb_boolean(void *ctx, int b)
{
	struct vp_json *v = new_node(VP_JSON_BOOL);

	if (v != NULL)
		v->u.boolean = b != 0;
	return add_value(ctx, v);
}

static int cb_number(void *ctx, const char *s, size_t len)
{
	struct parser *p = ctx;
	_cleanup_free_ char *text = NULL;
	struct vp_json *v;
	char *end;

	text = strndup(s, len);
	if (text == NULL) {
		fail(p, ENOMEM, "out of memory");
		return 0;
	}
	v = new_node(VP_JSON_NUMBER);
	if (v == NULL)
		return add_value(p, v);
	if (strpbrk(text, ".eE") == NULL) {
		errno = 0;
		v->u.num.i = strtoll(text, &end, 10);
		if (errno == 0 && *end == '\0') {
			v->u.num.is_int = true;
			v->u.num.d = (double)v->u.num.i;
			return add_value(p, v);
		}
	}
	v->u.num.d = strtod(text, &end);
	if (!isfinite(v->u.num.d)) {
		vp_json_free(v);
		fail(p, 0, "number out of range");
		return 0;
	}
	return add_value(p, v);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	struct parser *p = ctx;
	char *copy = take_string(p, s, len);
	struct vp_json *v;

	if (copy == NULL)
		return 0;
	v = new_node(VP_JSON_STRING);
	if (v == NULL) {
		free(copy);
		return add_value(p, v);
	}
	v->u.str.s = copy;
	v->u.str.len = len;
	return add_value(p, v);
}

static int open_container(struct parser *p, enum vp_json_type t)
{
	struct vp_json *v;

	if (p->depth == VP_JSON_MAX_DEPTH) {
		char msg[64];

		snprintf(msg, sizeof(msg), "nesting deeper than %d levels",
			 VP_JSON_MAX_DEPTH);
		fail(p, 0, msg);
		return 0;
	}
	v = new_node(t);
	/* Link it into the tree first, so an error later frees it with the
	 * root, then push it. */
	if (!add_value(p, v))
		return 0;
	p->stack[p->depth++] = (struct frame){.node = v};
	return 1;
}

static int cb_start_map(void *ctx)
{
	return open_container(ctx, VP_JSON_OBJECT);
}

static int cb_start_array(void *ctx)
{
	return open_container(ctx, VP_JSON_ARRAY);
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct parser *p = ctx;
	struct frame *f = &p->stack[p->depth - 1];

	free(f->key);
	f->key = take_string(p, s, len);
	return f->key != NULL;
}

static int cmp_keyp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Duplicates are found once per object by sorting a copy of the key
 * pointers: a hostile document with many keys costs n log n, not n^2. */
static int check_duplicates(struct parser *p, const struct vp_json *o)
{
	_cleanup_free_ char **keys = NULL;
	char buf[VP_PRINTABLE_MAX];
	char msg[128];

	if (o->u.obj.n < 2)
		return 1;
	keys = reallocarray(NULL, o->u.obj.n, sizeof(*keys));
	if (keys == NULL) {
		fail(p, ENOMEM, "out of memory");
		return 0;
	}
	memcpy(keys, o->u.obj.keys, o->u.obj.n * sizeof(*keys));
	qsort(keys, o->u.obj.n, sizeof(*keys), cmp_keyp);
	for (size_t i = 1; i < o->u.obj.n; i++) {
		if (strcmp(keys[i - 1], keys[i]) == 0) {
			snprintf(msg, sizeof(msg), "duplicate key `%s`",
				 vp_printable(keys[i], buf, sizeof(buf)));
			fail(p, 0, msg);
			return 0;
		}
	}
	return 1;
}

static int cb_end_map(void *ctx)
{
	struct parser *p = ctx;

	p->depth--;
	return check_duplicates(p, p->stack[p->depth].node);
}

static int cb_end_array(void *ctx)
{
	struct parser *p = ctx;

	p->depth--;
	return 1;
}

static int hex4(const char *s, size_t left, unsigned *out)
{
	unsigned v = 0;

	if (left < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* yajl turns a lone high surrogate escape into '?' and pairs a high
 * surrogate with any following \u escape, so surrogates are checked here,
 * on text yajl has already accepted: every backslash in it starts an escape
 * inside a string. */
static int check_surrogates(const char *buf, size_t len, size_t *at)
{
	for (size_t i = 0; i < len; i++) {
		unsigned cp, lo;

		if (buf[i] != '\\')
			continue;
		if (i + 1 >= len || buf[i + 1] != 'u') {
			i++;
			continue;
		}
		if (hex4(buf + i + 2, len - i - 2, &cp) < 0)
			continue;
		*at = i;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return -1;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (i + 7 >= len || buf[i + 6] != '\\' ||
			    buf[i + 7] != 'u' ||
			    hex4(buf + i + 8, len - i - 8, &lo) < 0 ||
			    lo < 0xdc00 || lo > 0xdfff)
				return -1;
			i += 6;
		}
		i += 5;
	}
	return 0;
}

static const yajl_callbacks callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_boolean,
    .yajl_number = cb_number, /* raw text: we decide what fits */
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end_map,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end_array,
};

int vp_json_parse(const char *buf, size_t len, struct vp_json **out,
		  struct vp_err *err)
{
	struct parser p = {0};
	yajl_handle h;
	yajl_status st;
	size_t at;
	int rc = 0;

	*out = NULL;
	h = yajl_alloc(&callbacks, NULL, &p);
	if (h == NULL)
		return vp_err_set(err, ENOMEM, "invalid JSON: yajl_alloc");
	/* Defaults are what we want and are set explicitly to document it:
	 * no comments, UTF-8 checked, no trailing garbage, one value. */
	yajl_config(h, yajl_allow_comments, 0);
	yajl_config(h, yajl_dont_validate_strings, 0);
	yajl_config(h, yajl_allow_trailing_garbage, 0);
	yajl_config(h, yajl_allow_multiple_values, 0);
	yajl_config(h, yajl_allow_partial_values, 0);

	st = yajl_parse(h, (const unsigned char *)buf, len);
	/* offsets are only meaningful for the yajl_parse() call */
	at = p.msg[0] != '\0' ? yajl_get_bytes_consumed(h) : len;
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (st == yajl_status_ok && p.msg[0] == '\0' &&
	    check_surrogates(buf, len, &at) < 0)
		fail(&p, 0, "unpaired UTF-16 surrogate escape");
	if (p.msg[0] != '\0') {

		if (p.errnum == ENOMEM)
			rc = vp_err_set(err, ENOMEM, "invalid JSON");
		else
			rc = vp_err_set(err, 0, "invalid JSON: %s at byte %zu",
					p.msg, at);
	} else if (st != yajl_status_ok) {
		unsigned char *e =
		    yajl_get_error(h, 0, (const unsigned char *)buf, len);
		char *s = (char *)e;

		/* yajl ends the message with a newline */
		if (s != NULL)
			s[strcspn(s, "\r\n")] = '\0';
		rc = vp_err_set(err, 0, "invalid JSON: %s",
				s != NULL ? s : "parse error");
		if (e != NULL)
			yajl_free_error(h, e);
	} else if (p.root == NULL) {
		rc = vp_err_set(err, 0, "invalid JSON: no value");
	}
	yajl_free(h);
	for (size_t i = 0; i < VP_JSON_MAX_DEPTH; i++)
		free(p.stack[i].key);
	if (rc < 0) {
		vp_json_free(p.root);
		return rc;
	}
	*out = p.root;
	return 0;
}

void vp_json_free(struct vp_json *j)
{
	if (j == NULL)
		return;
	switch (j->type) {
	case VP_JSON_STRING:
		free(j->u.str.s);
		break;
	case VP_JSON_ARRAY:
		for (size_t i = 0; i < j->u.arr.n; i++)
			vp_json_free(j->u.arr.items[i]);
		free(j->u.arr.items);
		break;
	case VP_JSON_OBJECT:
		for (size_t i = 0; i < j->u.obj.n; i++) {
			free(j->u.obj.keys[i]);
			vp_json_free(j->u.obj.vals[i]);
		}
		free(j->u.obj.keys);
		free(j->u.obj.vals);
		break;
	case VP_JSON_NULL:
	case VP_JSON_BOOL:
	case VP_JSON_NUMBER:
		break;
	}
	free(j);
}

const struct vp_json *vp_json_get(const struct vp_json *obj, const char *key)
{
	if (obj == NULL || obj->type != VP_JSON_OBJECT || key == NULL)
		return NULL;
	for (size_t i = 0; i < obj->u.obj.n; i++) {
		if (strcmp(obj->u.obj.keys[i], key) == 0)
			return obj->u.obj.vals[i];
	}
	return NULL;
}

const char *vp_json_type_name(enum vp_json_type t)
{
	switch (t) {
	case VP_JSON_NULL:
		return "null";
	case VP_JSON_BOOL:
		return "boolean";
	case VP_JSON_NUMBER:
		return "number";
	case VP_JSON_STRING:
		return "string";
	case VP_JSON_ARRAY:
		return "array";
	case VP_JSON_OBJECT:
		return "object";
	}
	return "unknown";
}

/* Writer. */

struct vp_jw {
	yajl_gen g;
	yajl_gen_status st; /* first failure, sticky */
	const char *what;   /* our own sticky failure */
	int depth;
};

struct vp_jw *vp_jw_new(bool pretty)
{
	struct vp_jw *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->g = yajl_gen_alloc(NULL);
	if (w->g == NULL) {
		free(w);
		return NULL;
	}
	yajl_gen_config(w->g, yajl_gen_beautify, pretty ? 1 : 0);
	yajl_gen_config(w->g, yajl_gen_indent_string, "\t");
	/* refuse to write what our parser would refuse to read */
	yajl_gen_config(w->g, yajl_gen_validate_utf8, 1);
	return w;
}

void vp_jw_free(struct vp_jw *w)
{
	if (w == NULL)
		return;
	yajl_gen_free(w->g);
	free(w);
}

static bool jw_ok(struct vp_jw *w)
{
	return w != NULL && w->st == yajl_gen_status_ok && w->what == NULL;
}

static void jw_note(struct vp_jw *w, yajl_gen_status st)
{
	if (w->st == yajl_gen_status_ok)
		w->st = st;
}

void vp_jw_obj_open(struct vp_jw *w)
{
	if (!jw_ok(w))
		return;
	jw_note(w, yajl_gen_map_open(w->g));
	w->depth++;
}

void vp_jw_obj_close(struct vp_jw *w)
{
	if (!jw_ok(w))
		return;
	jw_note(w, yajl_gen_map_close(w->g));
	w->depth--;
}

void vp_jw_arr_open(struct vp_jw *w)
{
	if (!jw_ok(w))
		return;
	jw_note(w, yajl_gen_array_open(w->g));
	w->depth++;
}

void vp_jw_arr_close(struct vp_jw *w)
{
	if (!jw_ok(w))
		return;
	jw_note(w, yajl_gen_array_close(w->g));
	w->depth--;
}

static void jw_string(struct vp_jw *w, const char *s)
{
	if (!jw_ok(w))
		return;
	if (s == NULL) {
		w->what = "NULL string";
		return;
	}
	jw_note(w, yajl_gen_string(w->g, (const unsigned char *)s, strlen(s)));
}

void vp_jw_key(struct vp_jw *w, const char *key)
{
	jw_string(w, key);
}

void vp_jw_str(struct vp_jw *w, const char *s)
{
	jw_string(w, s);
}

void vp_jw_int(struct vp_jw *w, long long v)
{
	if (!jw_ok(w))
		return;
	jw_note(w, yajl_gen_integer(w->g, v));
}

void vp_jw_bool(struct vp_jw *w, bool v)
{
	if (!jw_ok(w))
		return;
	jw_note(w, yajl_gen_bool(w->g, v ? 1 : 0));
}

void vp_jw_null(struct vp_jw *w)
{
	if (!jw_ok(w))
		return;
	jw_note(w, yajl_gen_null(w->g));
}

static const char *gen_status_str(yajl_gen_status st)
{
	switch (st) {
	case yajl_gen_status_ok:
		return "ok";
	case yajl_gen_keys_must_be_strings:
		return "object key expected";
	case yajl_max_depth_exceeded:
		return "nesting too deep";
	case yajl_gen_in_error_state:
		return "called in error state";
	case yajl_gen_generation_complete:
		return "more than one top-level value";
	case yajl_gen_invalid_number:
		return "invalid number";
	case yajl_gen_no_buf:
		return "no buffer";
	case yajl_gen_invalid_string:
		return "string is not valid UTF-8";
	}
	return "unknown error";
}

int vp_jw_finish(struct vp_jw *w, char **out, size_t *len, struct vp_err *err)
{
	const unsigned char *buf;
	size_t n;
	char *copy;

	*out = NULL;
	if (w == NULL)
		return vp_err_set(err, ENOMEM, "JSON writer");
	if (w->what != NULL)
		return vp_err_set(err, 0, "JSON writer: %s", w->what);
	if (w->st != yajl_gen_status_ok)
		return vp_err_set(err, 0, "JSON writer: %s",
				  gen_status_str(w->st));
	if (w->depth != 0)
		return vp_err_set(err, 0, "JSON writer: document not complete");
	if (yajl_gen_get_buf(w->g, &buf, &n) != yajl_gen_status_ok)
		return vp_err_set(err, 0, "JSON writer: no buffer");
	if (n == 0)
		return vp_err_set(err, 0, "JSON writer: empty document");
	copy = malloc(n + 1);
	if (copy == NULL)
		return vp_err_set(err, ENOMEM, "JSON writer");
	memcpy(copy, buf, n);
	copy[n] = '\0';
	*out = copy;
	if (len != NULL)
		*len = n;
	return 0;
}

/* Tree readers. */

static int path_err(struct vp_err *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int path_err(struct vp_err *err, const char *path, const char *fmt, ...)
{
	char buf[VP_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (path == NULL || path[0] == '\0')
		return vp_err_set(err, 0, "%s", buf);
	return vp_err_set(err, 0, "%s: %s", path, buf);
}

int vp_json_expect(const struct vp_json *v, enum vp_json_type t,
		   const char *path, struct vp_err *err)
{
	if (v == NULL)
		return path_err(err, path, "missing");
	if (v->type == t)
		return 0;
	if (t == VP_JSON_BOOL)
		return path_err(err, path, "must be true or false, got %s",
				vp_json_type_name(v->type));
	return path_err(err, path, "must be %s %s, got %s",
			t == VP_JSON_ARRAY || t == VP_JSON_OBJECT ? "an" : "a",
			vp_json_type_name(t), vp_json_type_name(v->type));
}

int vp_json_check_keys(const struct vp_json *obj, const char *const *allowed,
		       const char *path, struct vp_err *err)
{
	char list[512] = "";
	char buf[VP_PRINTABLE_MAX];

	if (vp_json_expect(obj, VP_JSON_OBJECT, path, err) < 0)
		return -1;
	for (size_t i = 0; i < obj->u.obj.n; i++) {
		const char *key = obj->u.obj.keys[i];
		size_t k, used = 0;

		for (k = 0; allowed[k] != NULL; k++) {
			if (strcmp(key, allowed[k]) == 0)
				break;
		}
		if (allowed[k] != NULL)
			continue;
		for (k = 0; allowed[k] != NULL && used < sizeof(list); k++) {
			int n = snprintf(list + used, sizeof(list) - used,
					 "%s%s", k ? ", " : "", allowed[k]);
			if (n < 0)
				break;
			used += (size_t)n;
		}
		return path_err(err, path, "unknown key `%s` (allowed: %s)",
				vp_printable(key, buf, sizeof(buf)), list);
	}
	return 0;
}

int vp_json_int(const struct vp_json *v, long long min, long long max,
		const char *path, long long *out, struct vp_err *err)
{
	if (v == NULL)
		return path_err(err, path, "missing");
	if (v->type != VP_JSON_NUMBER)
		return path_err(err, path, "must be an integer, got %s",
				vp_json_type_name(v->type));
	if (!v->u.num.is_int)
		return path_err(err, path, "must be an integer, got %g",
				v->u.num.d);
	if (v->u.num.i < min || v->u.num.i > max)
		return path_err(err, path,
				"must be between %lld and %lld, got %lld", min,
				max, v->u.num.i);
	*out = v->u.num.i;
	return 0;
}

/* Typed members. */

void vp_json_member_path(const char *prefix, const char *key, char *buf,
			 size_t size)
{
	if (prefix == NULL || prefix[0] == '\0')
		snprintf(buf, size, "%s", key);
	else
		snprintf(buf, size, "%s.%s", prefix, key);
}

/* The member when present and of type t (any type when t is NULL), else
 * NULL with *rc 0 (absent) or -1 (absent but required, or of another
 * type).  path receives the member's path. */
static const struct vp_json *member(const struct vp_json *obj,
				    const char *prefix, const char *key,
				    const enum vp_json_type *t, unsigned flags,
				    char path[VP_JSON_PATH_MAX], int *rc,
				    struct vp_err *err)
{
	const struct vp_json *v = vp_json_get(obj, key);

	vp_json_member_path(prefix, key, path, VP_JSON_PATH_MAX);
	*rc = 0;
	if (v != NULL && v->type == VP_JSON_NULL &&
	    (flags & VP_JSON_NULL_ABSENT))
		v = NULL;
	if (v == NULL) {
		if (flags & VP_JSON_REQUIRED)
			*rc = path_err(err, path, "missing");
		return NULL;
	}
	if (t != NULL && vp_json_expect(v, *t, path, err) < 0) {
		*rc = -1;
		return NULL;
	}
	return v;
}

int vp_json_member(const struct vp_json *obj, const char *prefix,
		   const char *key, enum vp_json_type t, unsigned flags,
		   const struct vp_json **out, struct vp_err *err)
{
	char path[VP_JSON_PATH_MAX];
	int rc;
	const struct vp_json *v =
	    member(obj, prefix, key, &t, flags, path, &rc, err);

	if (v == NULL)
		return rc;
	*out = v;
	return 1;
}

int vp_json_member_str(const struct vp_json *obj, const char *prefix,
		       const char *key, unsigned flags, const char **out,
		       struct vp_err *err)
{
	static const enum vp_json_type t = VP_JSON_STRING;
	char path[VP_JSON_PATH_MAX];
	int rc;
	const struct vp_json *v =
	    member(obj, prefix, key, &t, flags, path, &rc, err);

	if (v == NULL)
		return rc;
	*out = v->u.str.s;
	return 1;
}

int vp_json_member_strdup(const struct vp_json *obj, const char *prefix,
			  const char *key, unsigned flags, char **out,
			  struct vp_err *err)
{
	static const enum vp_json_type t = VP_JSON_STRING;
	char path[VP_JSON_PATH_MAX];
	char *copy;
	int rc;
	const struct vp_json *v =
	    member(obj, prefix, key, &t, flags, path, &rc, err);

	if (v == NULL)
		return rc;
	copy = strdup(v->u.str.s);
	if (copy == NULL)
		return vp_err_set(err, ENOMEM, "%s", path);
	free(*out);
	*out = copy;
	return 1;
}

int vp_json_member_int(const struct vp_json *obj, const char *prefix,
		       const char *key, unsigned flags, long long min,
		       long long max, long long *out, struct vp_err *err)
{
	char path[VP_JSON_PATH_MAX];
	int rc;
	const struct vp_json *v =
	    member(obj, prefix, key, NULL, flags, path, &rc, err);

	if (v == NULL)
		return rc;
	if (vp_json_int(v, min, max, path, out, err) < 0)
		return -1;
	return 1;
}

int vp_json_member_uint(const struct vp_json *obj, const char *prefix,
			const char *key, unsigned flags, unsigned min,
			unsigned max, unsigned *out, struct vp_err *err)
{
	long long n = 0;
	int rc = vp_json_member_int(obj, prefix, key, flags, min, max, &n, err);

	if (rc > 0)
		*out = (unsigned)n;
	return rc;
}

int vp_json_member_bool(const struct vp_json *obj, const char *prefix,
			const char *key, unsigned flags, bool *out,
			struct vp_err *err)
{
	static const enum vp_json_type t = VP_JSON_BOOL;
	char path[VP_JSON_PATH_MAX];
	int rc;
	const struct vp_json *v =
	    member(obj, prefix, key, &t, flags, path, &rc, err);

	if (v == NULL)
		return rc;
	*out = v->u.boolean;
	return 1;
}

int vp_json_member_enum(const struct vp_json *obj, const char *prefix,
			const char *key, unsigned flags,
			const char *const *names, int *out, struct vp_err *err)
{
	static const enum vp_json_type t = VP_JSON_STRING;
	char path[VP_JSON_PATH_MAX], buf[VP_PRINTABLE_MAX], list[256] = "";
	size_t used = 0;
	int rc;
	const struct vp_json *v =
	    member(obj, prefix, key, &t, flags, path, &rc, err);

	if (v == NULL)
		return rc;
	for (int i = 0; names[i] != NULL; i++) {
		int n;

		if (strcmp(v->u.str.s, names[i]) == 0) {
			*out = i;
			return 1;
		}
		if (used >= sizeof(list))
			continue;
		n = snprintf(list + used, sizeof(list) - used, "%s%s",
			     i ? ", " : "", names[i]);
		if (n > 0)
			used += (size_t)n;
	}
	return vp_err_set(err, 0, "%s: `%s` is not one of %s", path,
			  vp_printable(v->u.str.s, buf, sizeof(buf)), list);
}

int vp_json_member_strs(const struct vp_json *obj, const char *prefix,
			const char *key, unsigned flags,
			const struct vp_json **out, struct vp_err *err)
{
	static const enum vp_json_type t = VP_JSON_ARRAY;
	char path[VP_JSON_PATH_MAX];
	int rc;
	const struct vp_json *v =
	    member(obj, prefix, key, &t, flags, path, &rc, err);

	if (v == NULL)
		return rc;
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const struct vp_json *e = v->u.arr.items[i];
		char ipath[VP_JSON_PATH_MAX + 24];

		if (e->type == VP_JSON_STRING)
			continue;
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		return vp_json_expect(e, VP_JSON_STRING, ipath, err);
	}
	*out = v;
	return 1;
}
