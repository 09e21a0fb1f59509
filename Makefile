# vnfplug - one Makefile for the hook, the shim, the internal library,
# the unit tests, the fuzz harnesses and the man pages.
#
#   make            build build/vnfplug-hook and build/vnfplug-qemu
#   make check      format-check, then unit + integration tests (tests/run),
#                   needs root
#   make unit       unit tests only
#   make debug      ASan+UBSan build into build-debug/
#   make format     clang-format -i the C sources; make format-check: check only
#   make clean      remove every build directory and tests/out/
#   make install    PREFIX=/usr/local DESTDIR=
#   WERROR=1        warnings are errors (CI sets it)

VERSION   := 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
DATADIR   ?= $(PREFIX)/share/vnfplug
SYSCONFDIR ?= /etc
# where podman and CRI-O look by default, whatever PREFIX is
HOOKSDIR  ?= /usr/share/containers/oci/hooks.d
SYSTEMDUNITDIR ?= /lib/systemd/system
DESTDIR   ?=
BUILD     ?= build

CC        ?= cc
PKG_CONFIG ?= pkg-config
PKGS      := yajl libnl-3.0 libnl-route-3.0 libseccomp

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wconversion -Wno-sign-conversion \
	-Wstrict-prototypes -Wmissing-prototypes -Wundef -Wvla \
	-Wnull-dereference -Wimplicit-fallthrough
ifeq ($(WERROR),1)
WARN += -Werror
endif
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection \
	-fPIE -fno-strict-overflow
LDHARDEN := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack -Wl,--as-needed

CFLAGS   ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE
ALL_CFLAGS = -std=gnu11 $(WARN) $(HARDEN) $(CFLAGS) $(LAYER_INC) $(CPPFLAGS) \
	-DVP_VERSION=\"$(VERSION)\" $(shell $(PKG_CONFIG) --cflags $(PKGS))
ALL_LDFLAGS = $(LDHARDEN) $(LDFLAGS)
LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS))
# The hook runs for every container, request or not: resolving the symbols
# of four shared libraries costs it more than all its own work, so the
# programs link yajl, libnl and libseccomp statically (Debian ships the
# archives; yajl's is libyajl_s).  STATIC_DEPS=0 links them dynamically.
# The unit tests and the fuzz harnesses link with the same line, so they
# run the library code that ships.
STATIC_DEPS ?= 1
ifeq ($(STATIC_DEPS),1)
BIN_LIBS := -Wl,-Bstatic -lnl-route-3 -lnl-3 -lyajl_s -lseccomp -Wl,-Bdynamic -lpthread
else
BIN_LIBS := $(LIBS)
endif

# The layers, bottom up.  Each folder compiles with the include paths of
# what it may use and nothing more, so an upward include (common/ naming a
# hook header, the stages naming a backend's header, a backend naming
# another's) does not compile:
#   common/          -Icommon                     shared by both programs
#   shim/            -Icommon -Ishim              vnfplug-qemu
#   hook/            -Icommon -Ihook -Ihook/backend -Ihook/delivery
#                                                 vnfplug-hook's stages
#   hook/backend/    -Icommon -Ihook/backend      the backend interface
#   hook/<be>/       -Icommon -Ihook/backend -Ihook/<be>
#                                                 one folder per backend
#   hook/delivery/   -Icommon -Ihook/backend -Ihook/delivery
#                                                 how the guest gets devices
# backend.h alone reaches the few hook/ headers a backend may use (as
# "../x.h"); LAYER_BREACH below refuses any other include naming a folder.
BACKENDS   := ovs sriov
COMMON_SRC := $(sort $(wildcard common/*.c))
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
HOOK_SRC   := $(sort $(filter-out hook/main.c,$(wildcard hook/*.c)) \
		$(wildcard hook/backend/*.c) $(wildcard hook/delivery/*.c) \
		$(foreach b,$(BACKENDS),$(wildcard hook/$(b)/*.c)))
HOOK_OBJ   := $(HOOK_SRC:%.c=$(BUILD)/%.o)
SHIM_SRC   := $(sort $(filter-out shim/main.c,$(wildcard shim/*.c)))
SHIM_OBJ   := $(SHIM_SRC:%.c=$(BUILD)/%.o)
LIBCOMMON  := $(BUILD)/libcommon.a
LIBHOOK    := $(BUILD)/libhook.a
LIBSHIM    := $(BUILD)/libshim.a
LIBVP      := $(LIBHOOK) $(LIBSHIM) $(LIBCOMMON)

$(BUILD)/common/%.o: LAYER_INC = -Icommon
$(BUILD)/shim/%.o: LAYER_INC = -Icommon -Ishim
$(BUILD)/hook/%.o: LAYER_INC = -Icommon -Ihook -Ihook/backend -Ihook/delivery
$(BUILD)/hook/backend/%.o: LAYER_INC = -Icommon -Ihook/backend
$(BUILD)/hook/delivery/%.o: LAYER_INC = -Icommon -Ihook/backend -Ihook/delivery
$(foreach b,$(BACKENDS),$(eval \
$$(BUILD)/hook/$(b)/%.o: LAYER_INC = -Icommon -Ihook/backend -Ihook/$(b)))
TEST_INC := -Icommon -Ihook -Ihook/backend -Ihook/delivery \
	$(BACKENDS:%=-Ihook/%) -Ishim -Itests/unit
$(BUILD)/tests/%.o: LAYER_INC = $(TEST_INC)

# An include naming a folder ("../x.h", "ovs/ovs.h") would get round the
# include paths: only backend.h may, for the hook/ headers it passes on.
LAYER_BREACH := $(shell grep -l '^[[:space:]]*\#[[:space:]]*include[[:space:]]*"[^"]*/' \
	common/*.[ch] shim/*.[ch] hook/*.[ch] hook/*/*.[ch] 2>/dev/null | \
	grep -vx 'hook/backend/backend.h')
ifneq ($(LAYER_BREACH),)
$(error include naming a folder in $(LAYER_BREACH): use the layer's include paths)
endif

UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_HELPER_SRC := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))
UNIT_HELPER_OBJ := $(UNIT_HELPER_SRC:%.c=$(BUILD)/%.o)

BINS := $(BUILD)/vnfplug-hook $(BUILD)/vnfplug-qemu

.PHONY: all check unit debug install uninstall clean format format-check
# keep the unit tests' object files (make would delete them as intermediates)
.SECONDARY:
all: $(BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBCOMMON): $(COMMON_OBJ)
$(LIBHOOK): $(HOOK_OBJ)
$(LIBSHIM): $(SHIM_OBJ)
$(LIBCOMMON) $(LIBHOOK) $(LIBSHIM):
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/vnfplug-hook: $(BUILD)/hook/main.o $(LIBHOOK) $(LIBCOMMON)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(BIN_LIBS)

$(BUILD)/vnfplug-qemu: $(BUILD)/shim/main.o $(LIBSHIM) $(LIBCOMMON)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(BIN_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(UNIT_HELPER_OBJ) $(LIBVP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(BIN_LIBS) -lcmocka

unit: $(BINS) $(UNIT_BIN)
	tests/run --unit-only $(BUILD)

# formatting first: it takes seconds, the tests take long
check: format-check
	$(MAKE) $(BINS) $(UNIT_BIN) fault
	tests/run $(BUILD)

DEBUG_BUILD := build-debug
debug:
	$(MAKE) BUILD=$(DEBUG_BUILD) CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" all $(patsubst $(BUILD)/%,$(DEBUG_BUILD)/%,$(UNIT_BIN))

# make fuzz: libFuzzer harnesses build-fuzz/fuzz_* (tests/fuzz/README);
# the libraries are built again into build-fuzz/ with the same
# sanitizers and coverage.  Only this target needs clang.
FUZZ_CC    ?= clang
FUZZ_BUILD ?= build-fuzz
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
.PHONY: fuzz
fuzz:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
		CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
		LDFLAGS="-fsanitize=fuzzer $(FUZZ_SAN)" $(FUZZ_NAMES:%=$(FUZZ_BUILD)/%)

$(BUILD)/fuzz_%: LAYER_INC = $(TEST_INC)
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(LIBVP)
	$(CC) $(ALL_CFLAGS) -MMD -MP $(ALL_LDFLAGS) -o $@ $< $(LIBVP) $(BIN_LIBS)

# make fault: the hook with fault injection compiled in (hook/fault.h),
# into build-fault/, for the crash-safety tests; never installed.
.PHONY: fault
FAULT_BUILD := build-fault
fault:
	$(MAKE) BUILD=$(FAULT_BUILD) CPPFLAGS="$(CPPFLAGS) -DVP_FAULT_INJECTION" \
		$(FAULT_BUILD)/vnfplug-hook

install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DATADIR) $(DESTDIR)$(HOOKSDIR)
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 0644 man/vnfplug-hook.8 man/vnfplug-qemu.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/vnfplug.json.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 config/vnfplug.json $(DESTDIR)$(DATADIR)/vnfplug.json.example
	install -m 0644 config/kata/configuration-vnfplug.toml $(DESTDIR)$(DATADIR)/
	sed 's|@BINDIR@|$(BINDIR)|g' config/hooks.d/vnfplug.json > $(DESTDIR)$(HOOKSDIR)/vnfplug.json
	chmod 0644 $(DESTDIR)$(HOOKSDIR)/vnfplug.json
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' config/systemd/vnfplug-gc.service > $(DESTDIR)$(SYSTEMDUNITDIR)/vnfplug-gc.service
	install -m 0644 config/systemd/vnfplug-gc.timer $(DESTDIR)$(SYSTEMDUNITDIR)/
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/vnfplug-gc.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vnfplug-hook $(DESTDIR)$(BINDIR)/vnfplug-qemu \
		$(DESTDIR)$(MANDIR)/man8/vnfplug-hook.8 $(DESTDIR)$(MANDIR)/man8/vnfplug-qemu.8 \
		$(DESTDIR)$(MANDIR)/man5/vnfplug.json.5 $(DESTDIR)$(HOOKSDIR)/vnfplug.json \
		$(DESTDIR)$(SYSTEMDUNITDIR)/vnfplug-gc.service $(DESTDIR)$(SYSTEMDUNITDIR)/vnfplug-gc.timer
	rm -rf $(DESTDIR)$(DATADIR)

# Every C source, formatted by the repository's .clang-format (written for
# clang-format 14, Debian 12's; another version may format differently).
CLANG_FORMAT ?= clang-format
FORMAT_SRC := $(sort $(wildcard common/*.[ch] hook/*.[ch] hook/*/*.[ch] \
	shim/*.[ch] tests/unit/*.[ch] tests/fuzz/*.[ch] tests/integration/lib/*.c \
	bench/*.c))
format:
	$(CLANG_FORMAT) --style=file -i $(FORMAT_SRC)

format-check:
	@$(CLANG_FORMAT) --style=file --dry-run -Werror $(FORMAT_SRC) || \
		{ echo "format-check: not formatted; 'make format' fixes it" >&2; exit 1; }

# every build directory (the default and an overridden BUILD, debug, fault,
# fuzz) and the test logs of tests/run and 90-fuzz
clean:
	rm -rf -- build $(BUILD) $(DEBUG_BUILD) $(FAULT_BUILD) $(FUZZ_BUILD) tests/out

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
