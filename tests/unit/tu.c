/* tu.c - helpers shared by the unit tests. */
#include "tu.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

char *tu_mkdtemp(void)
{
	char *d = strdup("/tmp/vp-unit-XXXXXX");

	if (d == NULL || mkdtemp(d) == NULL) {
		perror("mkdtemp");
		abort();
	}
	return d;
}

void tu_rmtree(const char *dir)
{
	struct vp_err err;

	if (dir != NULL && strncmp(dir, "/tmp/vp-unit-", 13) == 0)
		vp_rm_rf(dir, &err);
}

void tu_write(const char *path, const char *content, int mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(content, f) < 0 || fclose(f) != 0) {
		perror(path);
		abort();
	}
	chmod(path, (mode_t)mode);
}

char *tu_read(const char *path)
{
	struct vp_err err;
	char *buf = NULL;
	size_t len;

	if (vp_read_file(path, 1 << 24, &buf, &len, &err) < 0)
		return NULL;
	return buf;
}

int tu_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

void tu_fake_vsctl(const char *dir)
{
	static const char script[] =
	    "#!/bin/sh\n"
	    "d=$(dirname \"$0\")\n"
	    "db=\"$d/ports\"\n"
	    "shift 2\n"
	    "echo \"$*\" >> \"$d/vsctl.log\"\n"
	    "touch \"$db\"\n"
	    "case \"$*\" in\n"
	    "*del-port*) [ -e \"$d/fail-del\" ] &&\n"
	    "  { echo 'ovs-vsctl: db down' >&2; exit 1; }\n"
	    "  [ -e \"$d/slow-del\" ] && sleep 3\n"
	    "  grep -v \"^$4 \" \"$db\" > \"$db.new\"; mv \"$db.new\" "
	    "\"$db\";;\n"
	    "add-port*) [ -e \"$d/no-bridge\" ] &&\n"
	    "  { echo \"ovs-vsctl: no bridge named $2\" >&2; exit 1; }\n"
	    "  [ -e \"$d/slow\" ] && sleep 3\n"
	    "  n=$(grep -c '^add-port' \"$d/vsctl.log\")\n"
	    "  if [ -e \"$d/fail-$n\" ]; then\n"
	    "    echo \"ovs-vsctl: boom $n\" >&2; exit 1; fi\n"
	    "  if grep -q \"^$3 \" \"$db\"; then\n"
	    "    echo \"ovs-vsctl: cannot create a port named $3 because a\" "
	    "\\\n"
	    "      \"port named $3 already exists on bridge $2\" >&2; exit 1; "
	    "fi\n"
	    "  echo \"$3 ${4#*=} ${5#*=}\" >> \"$db\";;\n"
	    "*' list Port '*) [ -e \"$d/fail-list\" ] &&\n"
	    "  { echo 'ovs-vsctl: db down' >&2; exit 1; }\n"
	    "  shift 6; sep=''\n"
	    "  printf '{\"data\":['\n"
	    "  for n; do\n"
	    "    grep \"^$n \" \"$db\" | while read -r name sb ix; do\n"
	    "      if [ \"$sb\" = - ]; then m='';\n"
	    "      else m=\"[\\\"vnfplug-index\\\",\\\"$ix\\\"],\"\n"
	    "        m=\"$m[\\\"vnfplug-sandbox\\\",\\\"$sb\\\"]\"; fi\n"
	    "      printf '%s[\"%s\",[\"map\",[%s]]]' \"$sep\" \"$name\" "
	    "\"$m\"\n"
	    "    done\n"
	    "    grep -q \"^$n \" \"$db\" && sep=,\n"
	    "  done\n"
	    "  printf '],\"headings\":[\"name\",\"external_ids\"]}\\n';;\n"
	    "esac\n"
	    "exit 0\n";
	char path[4096];

	snprintf(path, sizeof(path), "%s/ovs-vsctl", dir);
	tu_write(path, script, 0755);
}

void tu_fake_port(const char *dir, const char *name, const char *sandbox,
		  unsigned index)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ports", dir);
	f = fopen(path, "a");
	if (f == NULL) {
		perror(path);
		abort();
	}
	if (sandbox != NULL)
		fprintf(f, "%s %s %u\n", name, sandbox, index);
	else
		fprintf(f, "%s - -\n", name);
	fclose(f);
}

int tu_fake_has_port(const char *dir, const char *name)
{
	char path[4096], line[512];
	size_t n = strlen(name);
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/ports", dir);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ' ')
			found = 1;
	fclose(f);
	return found;
}
