# cordon — one non-recursive Makefile.
#
#   make                         build build/cordon
#   make SANITIZE=address,undefined   build into build-san/ with sanitizers
#   make check                   every test layer; ends with "N passed, N failed"
#   make check-valgrind          unit tests under valgrind
#   make fuzz [FUZZ_SECONDS=60]  libFuzzer (clang) on every fuzz target
#   make demo                    an agent fixing a sample repository, offline (scripts/demo)
#   make bench                   benchmarks (scripts/bench/), writes results to build/bench/
#   make install PREFIX=/usr/local [DESTDIR=...]   the binary, the shipped agents, the man page
#   V=1                          show the compiler's command lines
#
# Sources are picked up by directory: a new module needs no Makefile edit.

PREFIX   ?= /usr/local
# Where `make install` puts the shipped agents ($(DATADIR)/agents), compiled
# into agent discovery; CORDON_DATADIR in the environment overrides it at run
# time. A changed value rebuilds what uses it ($(B)/datadir.stamp).
DATADIR  ?= $(PREFIX)/share/cordon
MANDIR   ?= $(PREFIX)/share/man
CC       ?= cc
SANITIZE ?=
PKGS     := jansson libcurl libgit2 yaml-0.1 libpcre2-8 gumbo libseccomp libcap

V ?= 0
ifeq ($(V),0)
Q := @
endif

ifeq ($(SANITIZE),)
B        ?= build
else
B        ?= build-san
endif

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
WARN     := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla -Wwrite-strings
CPPFLAGS += -D_GNU_SOURCE -DCORDON_VERSION='"$(VERSION)"' -I. $(shell pkg-config --cflags $(PKGS))
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -fstack-protector-strong -fPIE
LDFLAGS  += -pie -Wl,-z,relro,-z,now
LDLIBS   += $(shell pkg-config --libs $(PKGS)) -lpthread

ifneq ($(SANITIZE),)
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=$(SANITIZE)
else
CPPFLAGS += -D_FORTIFY_SOURCE=2
endif

LIB_SRCS  := $(wildcard common/*.c policy/*.c tools/*.c runtime/*.c runtime/*/*.c)
LIB_SRCS  := $(filter-out runtime/main.c,$(LIB_SRCS))
LIB_OBJS  := $(LIB_SRCS:%.c=$(B)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/unit/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/tests/fuzz/%)
HELP_SRCS := $(wildcard tests/helpers/*.c)
HELP_BINS := $(HELP_SRCS:tests/helpers/%.c=$(B)/tests/helpers/%)

.SECONDARY:
.PHONY: all check check-unit check-valgrind test-bins fuzz bench install clean demo FORCE
all: $(B)/cordon

# Rewritten only when DATADIR changes, so `make install PREFIX=/usr` after a
# plain `make` rebuilds discovery for /usr instead of installing a binary that
# searches /usr/local.
$(B)/datadir.stamp: FORCE
	@mkdir -p $(B)
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' >$@
$(B)/policy/discover.o: $(B)/datadir.stamp
$(B)/policy/discover.o: CPPFLAGS += -DCORDON_DATADIR='"$(DATADIR)"'

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libcordon.a: $(LIB_OBJS)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

# The session's seccomp programs, compiled once at build time with the
# libseccomp found here (scripts/gen-seccomp.c; seccomp_set_prog() in
# runtime/sandbox/seccomp.h uses them when the run-time libseccomp and kernel
# API level are the same, else compiles). Linked into the binary and the test
# programs; anything linked without it compiles at run time.
SECCOMP_SET := $(B)/gen/seccomp_builtin.o
$(B)/gen-seccomp: $(B)/scripts/gen-seccomp.o $(B)/libcordon.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/gen/seccomp_builtin.c: $(B)/gen-seccomp \
    $(wildcard $(shell pkg-config --variable=libdir libseccomp)/libseccomp.so)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$(B)/gen-seccomp >$@.tmp && mv $@.tmp $@

$(B)/gen/seccomp_builtin.o: $(B)/gen/seccomp_builtin.c
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/cordon: $(B)/runtime/main.o $(SECCOMP_SET) $(B)/libcordon.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/unit/%: $(B)/tests/unit/%.o $(SECCOMP_SET) $(B)/libcordon.a
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(B)/tests/fuzz/%: $(B)/tests/fuzz/%.o $(B)/tests/fuzz/standalone.o $(SECCOMP_SET) $(B)/libcordon.a
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Attack fixtures of the escape battery are plain C: no sanitizer runtime
# (ASan and LSan cannot run under the filters they probe, and would measure
# themselves instead of the sandbox) and no libcordon.
FIXTURES := probe listener no-userns mkmany
$(FIXTURES:%=$(B)/tests/helpers/%): $(B)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (plain)")
	$(Q)$(CC) -D_GNU_SOURCE -I. -std=gnu11 $(WARN) -O2 -g -o $@ $< $(shell pkg-config --libs libseccomp)

$(B)/tests/helpers/%: $(B)/tests/helpers/%.o $(SECCOMP_SET) $(B)/libcordon.a
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

test-bins: $(B)/cordon $(UNIT_BINS) $(FUZZ_BINS) $(HELP_BINS)

check: test-bins
	@B=$(B) tests/run

check-unit: $(UNIT_BINS)
	@B=$(B) tests/run unit

check-valgrind: $(UNIT_BINS)
	@B=$(B) VALGRIND=1 tests/run unit

# libFuzzer build: clang, its own object directory, sanitizers on. The inner
# make builds $(FUZZ_B)/libcordon.a (B is its build directory, not ours) and
# shows its errors.
FUZZ_B       := build-fuzz
FUZZ_SECONDS ?= 60
fuzz:
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=clang \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
	  LDFLAGS="-fsanitize=fuzzer,address,undefined" $(FUZZ_B)/libcordon.a
	@set -e; for src in $(FUZZ_SRCS); do \
	  t=$$(basename $$src .c); \
	  clang $(CPPFLAGS) -std=gnu11 -O1 -g -fsanitize=fuzzer,address,undefined \
	    -o $(FUZZ_B)/$$t $$src $(FUZZ_B)/libcordon.a $(LDLIBS); \
	  mkdir -p $(FUZZ_B)/corpus/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
	  $(FUZZ_B)/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    $(FUZZ_B)/corpus/$$t tests/fuzz/corpus/$$t; \
	done

demo: $(B)/cordon
	@B=$(B) scripts/demo

bench: $(B)/cordon $(HELP_BINS)
	@B=$(B) scripts/bench/run

# agents/ holds agent files only (tests/integration/agents.sh checks that each
# one validates), so the glob installs nothing else.
install: $(B)/cordon
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR)/agents $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(B)/cordon $(DESTDIR)$(PREFIX)/bin/cordon
	install -m 0644 agents/*.md $(DESTDIR)$(DATADIR)/agents/
	install -m 0644 docs/cordon.1 $(DESTDIR)$(MANDIR)/man1/cordon.1

clean:
	rm -rf build build-san build-fuzz

-include $(LIB_OBJS:.o=.d) $(B)/runtime/main.d $(B)/scripts/gen-seccomp.d $(SECCOMP_SET:.o=.d) $(UNIT_BINS:=.d) $(FUZZ_BINS:=.d) $(HELP_BINS:=.d)
