/* json.h - strict JSON reading and writing: the only module that uses yajl.
 *
 * The parser builds a small tree of plain structs.  It is stricter than
 * JSON's grammar requires because its input is hostile: duplicate object
 * keys, strings holding NUL, invalid UTF-8, nesting deeper than
 * VP_JSON_MAX_DEPTH and trailing bytes are all errors.  Every other module
 * reads documents through this tree and writes them with the vp_jw writer.
 */
#ifndef VP_JSON_H
#define VP_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define VP_JSON_MAX_DEPTH 32

enum vp_json_type {
	VP_JSON_NULL,
	VP_JSON_BOOL,
	VP_JSON_NUMBER,
	VP_JSON_STRING,
	VP_JSON_ARRAY,
	VP_JSON_OBJECT,
};

struct vp_json {
	enum vp_json_type type;
	union {
		bool boolean;
		struct {
			bool is_int; /* fits long long, no fraction/exp */
			long long i;
			double d;
		} num;
		struct {
			char *s; /* NUL-terminated, no inner NUL */
			size_t len;
		} str;
		struct {
			struct vp_json **items;
			size_t n;
		} arr;
		struct {
			char **keys;
			struct vp_json **vals;
			size_t n;
		} obj;
	} u;
};

/* Parse exactly one JSON value from buf[0..len). */
int vp_json_parse(const char *buf, size_t len, struct vp_json **out,
		  struct vp_err *err);
void vp_json_free(struct vp_json *j);
static inline void vp_json_freep(struct vp_json **j)
{
	vp_json_free(*j);
}
#define _cleanup_json_ __attribute__((cleanup(vp_json_freep)))

/* Member of an object, or NULL when absent (or obj is not an object). */
const struct vp_json *vp_json_get(const struct vp_json *obj, const char *key);
const char *vp_json_type_name(enum vp_json_type t);

/* Checks for readers of the tree.  `path` names the value in messages
 * ("networks.chain.queues"); NULL or "" means the document itself.
 *   "<path>: must be a string, got number"
 *   "<path>: unknown key `x` (allowed: a, b)"
 *   "<path>: must be an integer, got 1.5"
 *   "<path>: must be between 1 and 10, got 0" */
int vp_json_expect(const struct vp_json *v, enum vp_json_type t,
		   const char *path, struct vp_err *err);
/* `allowed` is NULL-terminated; also requires obj to be an object. */
int vp_json_check_keys(const struct vp_json *obj, const char *const *allowed,
		       const char *path, struct vp_err *err);
int vp_json_int(const struct vp_json *v, long long min, long long max,
		const char *path, long long *out, struct vp_err *err);

/* Typed members of an object, with the messages above.  `prefix` names the
 * object (NULL or "" for the document); a member's path is "<prefix>.<key>".
 * Each returns 1 when the member is there and valid (*out set), 0 when it
 * is absent (*out untouched) and -1 when it is of the wrong type, out of
 * range, or absent under VP_JSON_REQUIRED ("<path>: missing").  Under
 * VP_JSON_NULL_ABSENT a JSON null counts as absent. */
#define VP_JSON_REQUIRED 1U
#define VP_JSON_NULL_ABSENT 2U
#define VP_JSON_PATH_MAX 160

/* The member's path as the getters name it in messages. */
void vp_json_member_path(const char *prefix, const char *key, char *buf,
			 size_t size);
/* Any type; out is the member itself. */
int vp_json_member(const struct vp_json *obj, const char *prefix,
		   const char *key, enum vp_json_type t, unsigned flags,
		   const struct vp_json **out, struct vp_err *err);
/* *out points into the tree. */
int vp_json_member_str(const struct vp_json *obj, const char *prefix,
		       const char *key, unsigned flags, const char **out,
		       struct vp_err *err);
/* A malloc'ed copy replaces (and frees) *out. */
int vp_json_member_strdup(const struct vp_json *obj, const char *prefix,
			  const char *key, unsigned flags, char **out,
			  struct vp_err *err);
int vp_json_member_int(const struct vp_json *obj, const char *prefix,
		       const char *key, unsigned flags, long long min,
		       long long max, long long *out, struct vp_err *err);
int vp_json_member_uint(const struct vp_json *obj, const char *prefix,
			const char *key, unsigned flags, unsigned min,
			unsigned max, unsigned *out, struct vp_err *err);
int vp_json_member_bool(const struct vp_json *obj, const char *prefix,
			const char *key, unsigned flags, bool *out,
			struct vp_err *err);
/* A string that must be one of `names` (NULL-terminated); *out is its
 * index.  "<path>: `x` is not one of a, b, c" */
int vp_json_member_enum(const struct vp_json *obj, const char *prefix,
			const char *key, unsigned flags,
			const char *const *names, int *out, struct vp_err *err);
/* An array whose items are all strings ("<path>[2]: must be a string, got
 * number"); *out is the array. */
int vp_json_member_strs(const struct vp_json *obj, const char *prefix,
			const char *key, unsigned flags,
			const struct vp_json **out, struct vp_err *err);

/* Writer.  Errors are sticky: check once at vp_jw_finish(). */
struct vp_jw;
struct vp_jw *vp_jw_new(bool pretty);
void vp_jw_free(struct vp_jw *w);
void vp_jw_obj_open(struct vp_jw *w);
void vp_jw_obj_close(struct vp_jw *w);
void vp_jw_arr_open(struct vp_jw *w);
void vp_jw_arr_close(struct vp_jw *w);
void vp_jw_key(struct vp_jw *w, const char *key);
void vp_jw_str(struct vp_jw *w, const char *s);
void vp_jw_int(struct vp_jw *w, long long v);
void vp_jw_bool(struct vp_jw *w, bool v);
void vp_jw_null(struct vp_jw *w);
/* Hands out a malloc'ed NUL-terminated copy of the document. */
int vp_jw_finish(struct vp_jw *w, char **out, size_t *len, struct vp_err *err);

#endif
