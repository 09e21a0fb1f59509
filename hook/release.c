/* release.c - undo a sandbox's resources from its record, newest first.
 *
 * Each undo is idempotent ("pending" may or may not exist; --if-exists,
 * ENOENT is success), so a release can be repeated after any crash.
 *
 * An OVS port is deleted, and its socket unlinked, only when the switch
 * says it is this sandbox's (its Port's external_ids name this sandbox and
 * entry): port names can collide, and a pending entry may name a port that
 * another sandbox holds.  The check and the delete both happen under the
 * run_dir lock, which every caller holds and without which vnfplug creates
 * no port, so no port can change hands in between. */
#include "stages.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "fault.h"
#include "fileio.h"
#include "log.h"
#include "ovs.h"
#include "validate.h"
#include "vf_setup.h"

/* The ports of one switch that the record names, looked up once (one
 * ovs-vsctl run) before the first of them is undone. */
struct switch_ports {
	char *ovsdb;
	struct vp_ovs_port *rows;
	size_t n;
};

struct release {
	struct switch_ports *sw;
	size_t n_sw;
	char *left;          /* vp_release_opts.left */
	size_t left_size;
};

static void release_free(struct release *rl)
{
	for (size_t i = 0; i < rl->n_sw; i++) {
		free(rl->sw[i].ovsdb);
		vp_ovs_ports_free(rl->sw[i].rows, rl->sw[i].n);
	}
	free(rl->sw);
}

static bool holds_port(const struct vp_resource *r)
{
	return r->kind == VP_RES_OVS_PORT && r->state != VP_RES_NOT_CREATED;
}

static const struct switch_ports *switch_ports(const struct vp_config *cfg,
					       const struct vp_record *rec,
					       const char *ovsdb,
					       struct release *rl,
					       struct vp_err *err)
{
	struct vp_ovs o = { cfg->ovs_vsctl, ovsdb, cfg->timeout_ms };
	const char **names;
	struct switch_ports *nsw, s = { 0 };
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < rl->n_sw; i++)
		if (strcmp(rl->sw[i].ovsdb, ovsdb) == 0)
			return &rl->sw[i];
	names = calloc(rec->n_res + 1, sizeof(*names));
	if (names == NULL) {
		vp_err_set(err, ENOMEM, "release");
		return NULL;
	}
	for (size_t i = 0; i < rec->n_res; i++)
		if (holds_port(&rec->res[i]) &&
		    strcmp(rec->res[i].ovsdb, ovsdb) == 0)
			names[n++] = rec->res[i].port;
	rc = vp_ovs_list_ports(&o, names, n, &s.rows, &s.n, err);
	free(names);
	if (rc < 0)
		return NULL;
	s.ovsdb = strdup(ovsdb);
	nsw = realloc(rl->sw, (rl->n_sw + 1) * sizeof(*nsw));
	if (s.ovsdb == NULL || nsw == NULL) {
		free(s.ovsdb);
		vp_ovs_ports_free(s.rows, s.n);
		vp_err_set(err, ENOMEM, "release");
		return NULL;
	}
	rl->sw = nsw;
	rl->sw[rl->n_sw] = s;
	return &rl->sw[rl->n_sw++];
}

static int undo_ovs_port(const struct vp_config *cfg,
			 const struct vp_record *rec,
			 const struct vp_resource *r, struct release *rl,
			 struct vp_err *err)
{
	struct vp_ovs o = { cfg->ovs_vsctl, r->ovsdb, cfg->timeout_ms };
	const struct switch_ports *sw;
	const struct vp_ovs_port *row;
	struct stat st;

	if (r->state == VP_RES_NOT_CREATED)
		return 0;
	sw = switch_ports(cfg, rec, r->ovsdb, rl, err);
	if (sw == NULL)
		return -1;
	switch (vp_ovs_owner(sw->rows, sw->n, r->port, rec->sandbox, r->index,
			     &row)) {
	case VP_OVS_FOREIGN: {
		char sb[64];

		vp_log_warn("port %s is not this sandbox's (%s=%s): left "
			    "alone, and its socket %s",
			    r->port, VP_OVS_KEY_SANDBOX,
			    row->sandbox ? vp_printable(row->sandbox, sb,
							sizeof(sb))
					 : "(none)",
			    r->socket);
		if (rl->left != NULL)
			vp_strappendf(rl->left, rl->left_size, "%sport %s",
				      rl->left[0] ? ", " : "", r->port);
		return 0;
	}
	case VP_OVS_ABSENT:
		/* Created by us and gone since (a release interrupted after
		 * its del-port): the socket was made for our port.  Pending:
		 * add-port may never have run, and the socket may serve a
		 * port of that name on another switch. */
		if (r->state != VP_RES_CREATED)
			return 0;
		break;
	case VP_OVS_OURS:
		if (vp_ovs_del_port(&o, r->bridge, r->port, err) < 0)
			return -1;
		vp_log_info("released port %s on bridge %s", r->port,
			    r->bridge);
		break;
	}
	/* QEMU (the socket server) normally unlinks it; after a crash it
	 * stays.  Remove only a socket, never whatever else sits there. */
	if (lstat(r->socket, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    unlink(r->socket) < 0 && errno != ENOENT)
		return vp_err_set(err, errno, "unlink `%s`", r->socket);
	return 0;
}

static int undo_devlist(const struct vp_resource *r, struct vp_err *err)
{
	if (unlink(r->path) < 0 && errno != ENOENT)
		return vp_err_set(err, errno, "unlink `%s`", r->path);
	return 0;
}

/* Entries i+1 .. keep-1 are the newer ones that could not be undone. */
static bool vf_still_held(const struct vp_record *rec, size_t i, size_t keep)
{
	for (size_t k = i + 1; k < keep; k++)
		if (rec->res[k].kind != VP_RES_OVS_PORT &&
		    rec->res[k].kind != VP_RES_DEVLIST &&
		    rec->res[k].vf_pci != NULL &&
		    strcmp(rec->res[k].vf_pci, rec->res[i].vf_pci) == 0)
			return true;
	return false;
}

int vp_release(const struct vp_config *cfg, struct vp_record *rec,
	       struct vp_err *err)
{
	return vp_release_opt(cfg, rec, NULL, err);
}

int vp_release_opt(const struct vp_config *cfg, struct vp_record *rec,
		   const struct vp_release_opts *opts, struct vp_err *err)
{
	struct vp_config lc = *cfg; /* per-step timeouts; owns nothing */
	struct release rl = { 0 };
	struct vp_err e1;
	int failed = 0;
	size_t keep = rec->n_res;

	if (opts != NULL && opts->left != NULL && opts->left_size > 0) {
		rl.left = opts->left;
		rl.left_size = opts->left_size;
		rl.left[0] = '\0';
	}
	/* newest first; failures stay in place for a later retry */
	for (size_t i = rec->n_res; i-- > 0;) {
		struct vp_resource *r = &rec->res[i];
		int rc = 0;

		vp_err_clear(&e1);
		/* within a deadline each undo gets what is left of it, capped
		 * by its own bound; past it the rest stays journalled */
		if (opts != NULL && opts->end != 0) {
			long long left = opts->end - vp_now_ms();

			if (left <= 0) {
				vp_err_set(&e1, ETIMEDOUT,
					   "deadline passed with %zu "
					   "resource(s) still to release",
					   i + 1);
				if (!failed)
					*err = e1;
				else
					vp_log_err(VP_LOG_WARN, &e1);
				failed += (int)i + 1;
				break;
			}
			lc.timeout_ms = left < cfg->timeout_ms ? (unsigned)left
							       : cfg->timeout_ms;
		}
		/* a VF whose restore failed stays claimed: handing it out
		 * again would give the next container a VF still configured
		 * or still in someone's namespace */
		if (r->kind == VP_RES_VF_CLAIM && vf_still_held(rec, i, keep)) {
			vp_log_warn("VF %s stays claimed until its restore "
				    "succeeds",
				    r->vf_pci);
			continue;
		}
		switch (r->kind) {
		case VP_RES_OVS_PORT:
			rc = undo_ovs_port(&lc, rec, r, &rl, &e1);
			break;
		case VP_RES_DEVLIST:
			rc = undo_devlist(r, &e1);
			break;
		case VP_RES_VF_CLAIM:
		case VP_RES_VF_CONFIG:
		case VP_RES_VFIO_BIND:
		case VP_RES_NETNS_MOVE:
			rc = vp_vf_undo(&lc, rec, r, &e1);
			break;
		default:
			rc = vp_err_set(&e1, ENOTSUP,
					"resource %zu: this build can not undo "
					"its kind",
					i);
			break;
		}
		if (rc < 0) {
			if (!failed)
				*err = e1;
			else
				vp_log_err(VP_LOG_WARN, &e1);
			failed++;
			continue;
		}
		vp_fault_point("released-one");
		/* drop it: move it past the end and shrink */
		struct vp_resource gone = *r;
		memmove(r, r + 1, (keep - i - 1) * sizeof(*r));
		rec->res[keep - 1] = gone;
		keep--;
	}
	release_free(&rl);
	/* free the dropped tail */
	for (size_t i = keep; i < rec->n_res; i++)
		vp_resource_free(&rec->res[i]);
	rec->n_res = keep;
	if (failed)
		return vp_err_wrap(err, "%d resource(s) could not be released",
				   failed);
	return 0;
}
