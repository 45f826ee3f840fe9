# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of xen-ibback.ko (Dom0) and xen-ibfront.ko (DomU).
#
#   make                  build against the running kernel's build dir or,
#                         when it has none, the Debian linux-headers package
#                         of the kernel the testbed boots
#   make KDIR=/path       build against another kernel tree
#   make install          install the modules (updates/xenib) and run depmod
#   make check            unit tests, then the end-to-end tests on the testbed
#   make check-long       the same and the tests too slow for it (tests/long)
#   make stage            collect what the testbed installs into Dom0/DomU
#   make userlib          libxenib and xenibctl (needs libxen-dev)
#   make bench-reg        memory registration in a guest vs. native
#   make bench-data       data path latency/bandwidth, guest vs. native
#   make bench-fair       one guest flooding next to another, both measured
#   make bench-mpi        Open MPI over UCX, ranks in guests vs. native
#   make bench-mpi-cluster  the same with the second rank on host b
#   make bench-kverbs     kernel verbs in a guest vs. native
#   make bench-cm         rdma_cm connection set-up in guests vs. native
#   make bench-cluster    across two hosts: guests vs. native vs. Soft-RoCE in guests
#   make bench-cpu-share  one host's latencies with the other host idle, then busy
#   make fuzz             fuzz the backend's checks of guest input (clang)

KVER ?= $(shell uname -r)
# The kernel the testbed boots: Debian's current linux-image-amd64 target.
TESTBED_KVER := $(shell scripts/xenib-testbed kernel-version 2>/dev/null)
KDIR ?= $(firstword $(wildcard /lib/modules/$(KVER)/build) \
	$(if $(TESTBED_KVER),$(wildcard /usr/src/linux-headers-$(TESTBED_KVER))))
# Debian header trees carry the upstream version in kernel.release; the
# release modules are installed for is the one in utsrelease.h.
MODULE_KVER = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
INSTALL_MOD_DIR ?= updates/xenib
STAGE ?= build/stage

MODULES := backend/xen-ibback.ko frontend/xen-ibfront.ko

.PHONY: all modules clean install stage check check-long unit-tests kdir-check print-kdir \
	test-progs kverbs-test bench-reg bench-data bench-fair bench-mpi bench-mpi-cluster bench-kverbs bench-cm bench-cluster bench-cpu-share userlib userlib-skip fuzz

# xenibctl needs Xen's libxenstore headers; without them "make" builds the
# modules only.
all: modules $(if $(wildcard /usr/include/xenstore.h),userlib,userlib-skip)

userlib-skip:
	@echo "note: no /usr/include/xenstore.h, not building xenibctl (apt-get install libxen-dev)"

kdir-check:
	@if [ -z "$(KDIR)" ] || [ ! -d "$(KDIR)" ]; then \
		echo "No kernel build directory found."; \
		echo "Install the headers of the kernel to build for (e.g. scripts/xenib-testbed deps," ; \
		echo "or apt-get install linux-headers-\$$(uname -r)), or pass KDIR=/path/to/kernel/build."; \
		exit 1; \
	fi

print-kdir: kdir-check
	@echo $(KDIR)
	@echo $(MODULE_KVER)

modules: kdir-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	-[ -z "$(KDIR)" ] || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-[ -z "$(KDIR)" ] || $(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kverbs clean
	rm -rf $(STAGE) build/tests build/userlib

install: modules
	@# Distribution kernels sign their own modules; ours are unsigned.
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		CONFIG_MODULE_SIG_ALL= modules_install
	install -D -m 644 scripts/modprobe.d/xen-ibback.conf \
		$(INSTALL_MOD_PATH)/etc/modprobe.d/xen-ibback.conf
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(MODULE_KVER)

# Test programs that run in the testbed's domains, against the system
# libibverbs (libibverbs-dev on the build host).
TEST_PROGS := build/tests/xenib-verbs-test build/tests/xenib-reg-bench \
	build/tests/xenib-dp-bench build/tests/xenib-conform \
	build/tests/xenib-raw build/tests/xenib-mpi-bench
USER_CFLAGS ?= -O2 -g -Wall -Wextra -Werror
# Open MPI's compiler wrapper (libopenmpi-dev), the Open MPI of the testbed.
MPICC ?= mpicc

TESTLIB := tests/verbs/testlib.c tests/verbs/testlib.h

build/tests/xenib-verbs-test build/tests/xenib-conform build/tests/xenib-dp-bench \
	build/tests/xenib-reg-bench: $(TESTLIB)

build/tests/%: tests/verbs/%.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $(filter %.c,$^) -libverbs

# xenib-raw speaks the wire protocol itself.
build/tests/xenib-raw: include/xenib/xenibif.h
build/tests/xenib-raw: USER_CFLAGS += -Iinclude

build/tests/xenib-mpi-bench: tests/mpi/xenib-mpi-bench.c
	@mkdir -p $(dir $@)
	$(MPICC) $(USER_CFLAGS) -o $@ $<

# The kernel-verbs checks (tests/kverbs): a module of its own, never
# installed, loaded by hand in the domain to check.
KVERBS_TEST := build/tests/xenib_kverbs_test.ko

kverbs-test: kdir-check
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kverbs modules
	@mkdir -p build/tests
	cp tests/kverbs/xenib_kverbs_test.ko $(KVERBS_TEST)

test-progs: $(TEST_PROGS)

# libxenib and xenibctl (Dom0 tools), against Xen's libxenstore.
USERLIB := build/userlib/libxenib.a build/userlib/xenibctl

build/userlib/%.o: userlib/%.c include/xenib/libxenib.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Iinclude -c -o $@ $<

build/userlib/libxenib.a: build/userlib/libxenib.o
	$(AR) rcs $@ $^

build/userlib/xenibctl: build/userlib/xenibctl.o build/userlib/libxenib.a
	$(CC) $(USER_CFLAGS) -o $@ $^ -lxenstore

userlib: $(USERLIB)

# What the testbed copies into its domains: see docs/testbed.md.  With
# PREBUILT=DIR, a copy of this tree where "make modules kverbs-test" ran
# for another kernel, and MODULE_KVER= that kernel's release, the modules
# come from there (xenib-testbed stage, for another Debian release).
STAGE_FROM := $(if $(PREBUILT),$(PREBUILT)/)
stage: $(if $(PREBUILT),,modules kverbs-test) test-progs userlib
	rm -rf $(STAGE)
	mkdir -p $(STAGE)/common/lib/modules/$(MODULE_KVER)/$(INSTALL_MOD_DIR) \
		$(STAGE)/common/usr/local/sbin $(STAGE)/common/usr/local/bin \
		$(STAGE)/common/usr/local/lib/xenib $(STAGE)/dom0/usr/local/sbin
	cp $(addprefix $(STAGE_FROM),$(MODULES)) \
		$(STAGE)/common/lib/modules/$(MODULE_KVER)/$(INSTALL_MOD_DIR)/
	cp $(TEST_PROGS) $(STAGE)/common/usr/local/bin/
	cp $(STAGE_FROM)$(KVERBS_TEST) $(STAGE)/common/usr/local/lib/xenib/
	install -D -m 644 scripts/modprobe.d/xen-ibback.conf \
		$(STAGE)/dom0/etc/modprobe.d/xen-ibback.conf
	cp scripts/xenib-attach scripts/xenib-detach scripts/xenib-create \
		scripts/xenib-migrate scripts/xenib-backend-unload scripts/xenib-lib.sh \
		build/userlib/xenibctl $(STAGE)/dom0/usr/local/sbin/

# The fuzzing harness of the backend's checks (backend/check.c, tests/fuzz):
# libFuzzer with ASan and UBSan.  "make fuzz" replays tests/fuzz/regressions,
# then fuzzes for FUZZ_SECS from the seeds and build/fuzz/corpus.
FUZZ_CC ?= clang
FUZZ_SECS ?= 60
FUZZ_CFLAGS := -g -O1 -Wall -Wextra -Werror -Itests/fuzz -Ibackend -Iinclude
FUZZ_DEPS := backend/check.c backend/check.h tests/fuzz/kcompat.h \
	include/xenib/xenibif.h

build/fuzz/xenib-fuzz: tests/fuzz/fuzz-guest-input.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $< backend/check.c

build/fuzz/make-seeds: tests/fuzz/make-seeds.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_CFLAGS) -o $@ $<

fuzz: build/fuzz/xenib-fuzz build/fuzz/make-seeds
	tests/fuzz/run $(FUZZ_SECS)

# Unit tests, then the end-to-end tests on the testbed; see tests/run.
check:
	tests/run

check-long:
	tests/run --long

unit-tests:
	tests/run --unit

# Benchmarks on the testbed: numbers and guest/native ratios, no verdict.
bench-reg:
	tests/bench/reg-mr.sh

bench-data:
	tests/bench/datapath.sh

bench-fair:
	tests/bench/fairness.sh

bench-mpi:
	tests/bench/mpi.sh

bench-mpi-cluster:
	tests/bench/mpi.sh 200 2 2

bench-kverbs:
	tests/bench/kverbs.sh

bench-cm:
	tests/bench/cm.sh

bench-cluster:
	tests/bench/cluster.sh

bench-cpu-share:
	tests/bench/cpu-share.sh
