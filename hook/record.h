/* record.h - the per-sandbox record: what vnfplug holds for a sandbox.
 *
 * <run_dir>/sandboxes/<id>/record.json, replaced atomically.  It is a
 * journal: each resource is appended in state "pending" and the record is
 * saved *before* the resource is created, then marked "created".  A hook
 * killed at any point therefore leaves a record from which poststop or gc
 * can undo everything, in reverse order; undo treats "pending" as "may
 * exist".  Callers hold the lock (lock.h) around load-modify-save.
 */
#ifndef VP_RECORD_H
#define VP_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

#include "err.h"
#include "liveness.h"
#include "vf_settings.h"

#define VP_RECORD_VERSION 1

/* Each kind is one backend's or one delivery path's (backend.h,
 * delivery.h): they create it, undo it and describe it. */
enum vp_res_kind {
	VP_RES_OVS_PORT,   /* a dpdkvhostuserclient port on an OVS bridge */
	VP_RES_DEVLIST,	   /* the sandbox's devices.json */
	VP_RES_VF_CLAIM,   /* a VF handed to this sandbox (the record is the
			    * claim: no two records claim one VF) */
	VP_RES_VF_CONFIG,  /* PF-side VF settings changed; orig_vf saved */
	VP_RES_VFIO_BIND,  /* VF moved to vfio-pci from orig_driver */
	VP_RES_NETNS_MOVE, /* VF netdev moved into a container netns */
};

/* A network link's state as the journal keeps it (a VF's netdev before it
 * was moved, so poststop can put it back). */
struct vp_link {
	char ifname[16];
	int ifindex;
	uint8_t mac[6];
	unsigned mtu;
	bool up;
};

enum vp_res_state {
	VP_RES_PENDING, /* recorded, creation may or may not have happened */
	VP_RES_CREATED,
	VP_RES_NOT_CREATED, /* VP_RES_OVS_PORT: its name was taken by a port
			     * that is not ours; nothing to undo */
};

struct vp_resource {
	enum vp_res_kind kind;
	enum vp_res_state state;
	unsigned index; /* request entry it serves */
	char *network;
	/* VP_RES_OVS_PORT */
	char *ovsdb;
	char *bridge;
	char *port;
	char *socket;
	/* VP_RES_DEVLIST */
	char *path;
	/* the VF kinds */
	char *pf; /* PF as the config names it */
	char *pf_pci;
	char *pf_ifname; /* "" when the PF has no netdev */
	unsigned vf_index;
	char *vf_pci;
	char *mode;	   /* VP_RES_VF_CLAIM: "vfio" or "netns" */
	char *orig_driver; /* VP_RES_VFIO_BIND: "" when it was unbound */
	struct vp_vf_config orig_vf; /* VP_RES_VF_CONFIG */
	struct vp_link orig_link;    /* VP_RES_NETNS_MOVE: as it was */
	char *ns_ifname; /* VP_RES_NETNS_MOVE: its name in the container */
	int ns_pid;	 /* VP_RES_NETNS_MOVE: a process in that netns */
	unsigned long long ns_ino; /* ... that netns's inode */
	char *ns_path;	/* ... a file pinning it (OCI path), or NULL */
	int ns_ifindex; /* ... the link's ifindex there, 0 until moved */
};

struct vp_record {
	char *sandbox;
	char *container;   /* container whose prestart created it */
	long long created; /* unix seconds */
	int owner_pid;	   /* runtime/container pid from the state */
	unsigned long long owner_start; /* its start time (clock ticks) */
	bool complete;			/* prestart finished; a second prestart
					 * for the sandbox is then a no-op */
	struct vp_resource *res;
	size_t n_res;
};

/* "pending", "created", "not-created": as the record spells them. */
const char *vp_res_state_name(enum vp_res_state s);
/* The record's owner, for liveness.h. */
static inline struct vp_owner vp_record_owner(const struct vp_record *rec)
{
	return (struct vp_owner){.pid = rec->owner_pid,
				 .start = rec->owner_start};
}
/* 1 loaded, 0 absent, <0 unreadable or corrupt. */
int vp_record_load(const char *run_dir, const char *sandbox,
		   struct vp_record *rec, struct vp_err *err);
int vp_record_save(const char *run_dir, const struct vp_record *rec,
		   struct vp_err *err);
/* Every VF claimed by any sandbox, from the claims index <run_dir>/claims
 * (a superset of the records' claims, kept by vp_record_save and
 * vp_record_remove; it survives a record.json gone corrupt). */
int vp_record_claims(const char *run_dir, char ***pcis, size_t *n,
		     struct vp_err *err);
/* Remove the sandbox's directory; absent is success. */
int vp_record_remove(const char *run_dir, const char *sandbox,
		     struct vp_err *err);
/* Sandbox ids with a directory under <run_dir>/sandboxes. */
int vp_record_list(const char *run_dir, char ***ids, size_t *n,
		   struct vp_err *err);
/* Append a copy of *r (strings duplicated); returns its index or <0. */
int vp_record_add(struct vp_record *rec, const struct vp_resource *r,
		  struct vp_err *err);
int vp_record_parse(const char *buf, size_t len, struct vp_record *rec,
		    struct vp_err *err);
int vp_record_serialize(const struct vp_record *rec, char **out, size_t *len,
			struct vp_err *err);
void vp_record_free(struct vp_record *rec);
static inline void vp_record_freep(struct vp_record *p)
{
	vp_record_free(p);
}
#define _cleanup_record_ __attribute__((cleanup(vp_record_freep)))
void vp_resource_free(struct vp_resource *r);

#endif
