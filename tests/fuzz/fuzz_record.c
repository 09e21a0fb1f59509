/* fuzz_record.c - the per-sandbox record/journal record.json
 * (vp_record_parse, vp_record_serialize).  The hook's undo builds
 * ovs-vsctl argvs, sysfs paths and netlink requests from it, so a record
 * that parses must hold only allowlisted values, and what vnfplug writes
 * back must read again as the same record.
 *
 * Invariants on an accepted record: the sandbox id is valid; every
 * resource has a known kind and state, and its kind's required fields;
 * serialize -> parse succeeds, and serializing that gives the same bytes
 * (the record is a fixed point after one write).
 */
#include <stdbool.h>

#include "fuzz.h"
#include "record.h"
#include "validate.h"

static void check_record(const struct vp_record *rec)
{
	FUZZ_CHECK(rec->sandbox != NULL && vp_valid_sandbox_id(rec->sandbox),
		   "sandbox");
	FUZZ_CHECK(rec->n_res == 0 || rec->res != NULL, "res");
	for (size_t i = 0; i < rec->n_res; i++) {
		const struct vp_resource *r = &rec->res[i];

		FUZZ_CHECK(r->kind <= VP_RES_NETNS_MOVE, "[%zu] kind", i);
		FUZZ_CHECK(r->state <= VP_RES_NOT_CREATED, "[%zu] state", i);
		switch (r->kind) {
		case VP_RES_OVS_PORT:
			FUZZ_CHECK(r->ovsdb && r->socket &&
				       vp_valid_abs_path(r->socket) &&
				       r->bridge &&
				       vp_valid_ovs_name(r->bridge) &&
				       r->port && vp_valid_ovs_name(r->port),
				   "[%zu] ovs-port", i);
			break;
		case VP_RES_DEVLIST:
			FUZZ_CHECK(r->path && vp_valid_abs_path(r->path),
				   "[%zu] devlist", i);
			break;
		default:
			FUZZ_CHECK(r->vf_pci && vp_valid_pci_addr(r->vf_pci),
				   "[%zu] vf_pci", i);
			break;
		}
		if (r->kind == VP_RES_NETNS_MOVE)
			FUZZ_CHECK(vp_valid_ifname(r->orig_link.ifname),
				   "[%zu] orig_link.ifname", i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vp_record rec, again;
	struct vp_err err = {0};
	char *out1 = NULL, *out2 = NULL;
	size_t len1 = 0, len2 = 0;

	if (vp_record_parse((const char *)data, size, &rec, &err) < 0) {
		FUZZ_CHECK(err.msg[0] != '\0', "error without a message");
		FUZZ_CHECK(rec.sandbox == NULL && rec.res == NULL &&
			       rec.n_res == 0,
			   "failed parse left fields set");
		return 0;
	}
	check_record(&rec);
	FUZZ_CHECK(vp_record_serialize(&rec, &out1, &len1, &err) == 0,
		   "serialize: %s", err.msg);
	FUZZ_CHECK(vp_record_parse(out1, len1, &again, &err) == 0,
		   "own output does not parse: %s\n%s", err.msg, out1);
	FUZZ_CHECK(again.n_res == rec.n_res, "%zu resources, then %zu",
		   rec.n_res, again.n_res);
	FUZZ_CHECK(vp_record_serialize(&again, &out2, &len2, &err) == 0,
		   "serialize again: %s", err.msg);
	FUZZ_CHECK(len1 == len2 && memcmp(out1, out2, len1) == 0,
		   "not a fixed point:\n%s\n---\n%s", out1, out2);
	free(out1);
	free(out2);
	vp_record_free(&again);
	vp_record_free(&rec);
	return 0;
}
