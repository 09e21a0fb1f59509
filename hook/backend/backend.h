/* backend.h - the interface between the hook's stages and its backends,
 * and the only header the two share.
 *
 * A backend serves one network type (enum vp_net_type): for a request
 * entry it creates things on the host, journalled first, and it undoes
 * them from the journal.  It does not hand them to the guest: it says what
 * the guest is to receive (struct vp_guest_dev) and a delivery path
 * (hook/delivery/) hands that over: today cold-plug QEMU arguments in the
 * device list.  One delivery is a backend's own: a VF for a namespace
 * container is moved into the container's netns by the SR-IOV backend's
 * `create`, journalled with the VF, and reported as VP_GUEST_NETNS.
 *
 * What a backend sees: common/, and through this header the parts of
 * hook/ it works with: the journal (record.h), the request (request.h),
 * the OCI state (state.h), fault points (fault.h), running a command
 * (exec.h) and the syscall filter's groups (seccomp_policy.h).  The
 * Makefile compiles a backend with -Icommon -Ihook/backend -Ihook/<itself>
 * and refuses any include naming a folder, so it can reach neither the
 * stages nor another backend.
 *
 * Adding a backend: a folder hook/<name>/ (named in the Makefile's
 * BACKENDS), its `const struct vp_backend` declared below and added to
 * the table in backend.c, and the resource kinds it journals, with their
 * fields, in the record (record.h, record.c).
 */
#ifndef VP_BACKEND_H
#define VP_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

#include "../exec.h"
#include "../fault.h"
#include "../record.h"
#include "../request.h"
#include "../seccomp_policy.h"
#include "../state.h"

/* "<dir>/<name>" into out; error when the result exceeds VP_SUN_PATH_MAX
 * ("socket path `...` is 112 bytes, the limit is 107") or fails
 * vp_valid_abs_path(). */
int vp_socket_path(const char *dir, const char *name, char *out, size_t outsz,
		   struct vp_err *err);
/* The same checks on a whole path. */
int vp_socket_path_check(const char *path, struct vp_err *err);

/* Network types the table can hold (c->scratch is indexed by type). */
#define VP_BACKEND_MAX 4

/* What the stages give a backend for one prestart or one release. */
struct vp_backend_ctx {
	const struct vp_config *cfg;
	const struct vp_state *st; /* prestart's; NULL when releasing */
	const char *sandbox;
	struct vp_record *rec; /* the journal; NULL while planning */
	long long end;	       /* the stage's deadline (vp_now_ms()), 0: none */
	unsigned timeout_ms;   /* this step's bound: what is left until
				* `end`, at most cfg->timeout_ms */
	/* release: the newer resources still journalled (their undo failed) */
	const struct vp_resource *held;
	size_t n_held;
	/* release: what undo left alone because it is not this sandbox's
	 * ("port X, port Y"); NULL when the caller does not ask */
	char *left;
	size_t left_size;
	/* each backend's own state for the length of the run, indexed by its
	 * type; its `finish` frees it */
	void *scratch[VP_BACKEND_MAX];
};

/* One request entry on its way through prestart; the stages own it. */
struct vp_entry {
	const struct vp_request_item *it;
	unsigned index; /* in the request */
	const struct vp_backend *be;
	void *plan; /* the backend's: one malloc'ed block
		     * owning nothing, freed by the stages */
};

/* What the guest receives for an entry: the seam between a backend (which
 * creates it on the host) and a delivery path (which hands it over). */
enum vp_guest_kind {
	VP_GUEST_NONE,	     /* nothing yet (an SR-IOV entry before create) */
	VP_GUEST_NETNS,	     /* delivered by the backend itself: moved into
			      * the container's network namespace */
	VP_GUEST_VHOST_USER, /* a vhost-user socket, QEMU the server */
	VP_GUEST_VFIO,	     /* a PCI function bound to vfio-pci */
};

struct vp_guest_dev {
	enum vp_guest_kind kind;
	unsigned index; /* request entry: QEMU ids vp-c<index>... */
	/* VP_GUEST_VHOST_USER */
	const char *socket_path;
	uint8_t mac[6];
	unsigned queues;
	int vectors; /* -1 auto */
	/* VP_GUEST_VFIO */
	const char *pci;
};

/* How `status` and `gc` show one journalled resource. */
#define VP_DESC_FIELDS 6
struct vp_desc {
	/* status: a device's type ("vhost-user"), NULL for a resource that
	 * is not a device of its own (a VF's settings: part of its claim) */
	const char *type;
	struct vp_desc_field {
		const char *key;   /* status --json */
		const char *label; /* the status table's; NULL: JSON only */
		const char *value; /* NULL: null in JSON, and in the table
				    * `none`, or left out when that is NULL */
		const char *none;
		bool untrusted; /* table: through vp_printable (a value
				 * not checked when the record is read) */
	} f[VP_DESC_FIELDS];
	size_t n;
	/* gc's one-line form ("port P on bridge B"); "": not named */
	char summary[256];
};

/* Append a field to d (quietly ignored past VP_DESC_FIELDS). */
void vp_desc_add(struct vp_desc *d, const char *key, const char *label,
		 const char *value, const char *none, bool untrusted);

struct vp_backend {
	const char *name; /* "ovs-dpdk", "sriov" */
	enum vp_net_type type;
	unsigned needs; /* the filter's groups (VP_FILTER_*) its
			 * create and undo use */
	/* Does it journal resources of this kind?  Every kind is one
	 * backend's or one delivery path's. */
	bool (*owns)(enum vp_res_kind kind);
	/* Before the lock, touching nothing: check the entry against the
	 * config, compute names, set e->plan. */
	int (*plan)(struct vp_backend_ctx *c, struct vp_entry *e,
		    struct vp_err *err);
	/* Under the lock, before any entry is created: append to c->rec, as
	 * pending, what create will make and can name now.  The stages save
	 * every entry's in one write.  NULL: nothing to name in advance. */
	int (*journal)(struct vp_backend_ctx *c, struct vp_entry *e,
		       struct vp_err *err);
	/* Create on the host, within c->timeout_ms (budgets for further
	 * steps: vp_budget against c->end).  Anything `journal` did not add
	 * is added and saved (vp_record_save) before it is made; what is
	 * made is marked created.  On failure the stages undo the journal. */
	int (*create)(struct vp_backend_ctx *c, struct vp_entry *e,
		      struct vp_err *err);
	/* What the guest receives for the entry: called after plan (so the
	 * delivery can refuse it before anything is created) and after
	 * create (to deliver it). */
	int (*deliver)(const struct vp_backend_ctx *c, const struct vp_entry *e,
		       struct vp_guest_dev *dev, struct vp_err *err);
	/* Undo one resource of a kind it owns, within c->timeout_ms;
	 * idempotent ("pending" may or may not exist).  0 undone, 1 left
	 * journalled on purpose (not a failure), <0 failed. */
	int (*undo)(struct vp_backend_ctx *c, const struct vp_resource *r,
		    struct vp_err *err);
	/* Fill d for r, a resource of a kind it owns. */
	void (*describe)(const struct vp_record *rec,
			 const struct vp_resource *r, struct vp_desc *d);
	/* For gc's report on a sandbox whose record is lost: append what it
	 * may still hold, as far as its id tells.  NULL: nothing to tell. */
	void (*leftovers)(const struct vp_config *cfg, const char *sandbox,
			  char *buf, size_t size);
	/* Free c->scratch[type].  NULL: it keeps none. */
	void (*finish)(struct vp_backend_ctx *c);
};

extern const struct vp_backend vp_backend_ovs;
extern const struct vp_backend vp_backend_sriov;

/* The backend of a network type, or NULL. */
const struct vp_backend *vp_backend_for(enum vp_net_type type);
/* The backend that owns a resource kind, or NULL (a delivery path's). */
const struct vp_backend *vp_backend_of(enum vp_res_kind kind);
/* The table, in order, i from 0 until NULL.  Devices are delivered
 * backend by backend in this order, each backend's in request order. */
const struct vp_backend *vp_backend_at(size_t i);
/* Call every backend's finish on c. */
void vp_backends_finish(struct vp_backend_ctx *c);

/* A step's share of a deadline: what is left until `end` (vp_now_ms()),
 * at most `cap`; fails (ETIMEDOUT, "prestart deadline passed before
 * <step>") when nothing is left. */
int vp_budget(long long end, unsigned cap, const char *step, unsigned *out,
	      struct vp_err *err);

#endif
