# tests/fuzz/fuzz.mk - libFuzzer harnesses, included by the top Makefile (after
# its `all` rule, so `all` stays the default). It uses the top Makefile's
# SERVER_SRC, MODULE_SRC, OBJS, HDRS, ALL_CFLAGS, OPT, LDLIBS and BUILD.
#   make fuzz [FUZZ_TIME=60] [FUZZ_TARGETS="body route"] [FUZZ_ARGS="-timeout=10 ..."]
#                    builds each harness with clang -fsanitize=fuzzer,address,undefined
#                    into build-fuzz/fuzz_<target> and runs it FUZZ_TIME seconds on a
#                    scratch copy of its corpus in var/fuzz/<target> (kept between runs;
#                    rm -rf var/fuzz to start over); crashes land in var/fuzz/<target>-crashes/
#   make fuzz-replay replays tests/fuzz/corpus/<target> and tests/fuzz/regressions/<target>
#                    through each harness built with $(CC) (no libFuzzer): $(BUILD)/fuzz-replay-<target>
# To reproduce a crash: build-fuzz/fuzz_<target> var/fuzz/<target>-crashes/crash-...

FUZZ_TARGETS ?= body route query cursor patent filter
FUZZ_TIME    ?= 60
FUZZ_ARGS    ?= -timeout=10
FUZZ_CC      ?= clang
FUZZ_BUILD   := build-fuzz
FUZZ_DIR     := tests/fuzz
FUZZ_VAR     := var/fuzz
FUZZ_SAN     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
		-fno-sanitize-recover=all
FUZZ_CFLAGS  := $(filter-out $(OPT),$(ALL_CFLAGS)) $(FUZZ_SAN)
FUZZ_OBJS    := $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(SERVER_SRC) $(MODULE_SRC)) \
		$(FUZZ_BUILD)/migrations.o $(FUZZ_BUILD)/common_passwords.o \
		$(FUZZ_BUILD)/demo-data.o
FUZZ_BINS    := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))
FUZZ_REPLAYS := $(patsubst %,$(BUILD)/fuzz-replay-%,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-build fuzz-replay fuzz-replay-build fuzz-deps

# clang and libFuzzer's runtime, from Debian's packages
fuzz-deps:
	@sh scripts/deps.sh fuzz

# the code under test gets coverage instrumentation; libFuzzer's main comes at link
$(FUZZ_BUILD)/%.o: %.c $(HDRS) | fuzz-deps
	@mkdir -p $(dir $@)
	@echo "  FUZZCC $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/migrations.o: $(BUILD)/migrations.c server/migrate.h | fuzz-deps
	@mkdir -p $(dir $@)
	@echo "  FUZZCC $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/common_passwords.o: $(BUILD)/common_passwords.c modules/accounts/password_policy.h | fuzz-deps
	@mkdir -p $(dir $@)
	@echo "  FUZZCC $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/demo-data.o: $(BUILD)/demo-data.c | fuzz-deps
	@mkdir -p $(dir $@)
	@echo "  FUZZCC $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BINS): $(FUZZ_BUILD)/fuzz_%: $(FUZZ_OBJS) $(FUZZ_BUILD)/$(FUZZ_DIR)/fuzz_%.o
	@echo "  FUZZLD $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDFLAGS) $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

# One line per target: "fuzz_<target>: N execs in T s, C crashes"; fails on a crash.
fuzz: $(FUZZ_BINS)
	@fail=0; \
	for t in $(FUZZ_TARGETS); do \
		work=$(FUZZ_VAR)/$$t; crashes=$(FUZZ_VAR)/$$t-crashes; log=$(FUZZ_VAR)/$$t.log; \
		mkdir -p $$work $$crashes; \
		cp $(FUZZ_DIR)/corpus/$$t/* $$work/ 2>/dev/null; \
		if [ -d $(FUZZ_DIR)/regressions/$$t ]; then \
			cp $(FUZZ_DIR)/regressions/$$t/* $$work/ 2>/dev/null; fi; \
		before=$$(ls $$crashes | wc -l); start=$$(date +%s); \
		$(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			-artifact_prefix=$$crashes/ $(FUZZ_ARGS) $$work >$$log 2>&1; \
		status=$$?; end=$$(date +%s); \
		execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -n 1); \
		found=$$(( $$(ls $$crashes | wc -l) - before )); \
		[ $$status -eq 0 ] || [ $$found -gt 0 ] || found=1; \
		echo "fuzz_$$t: $${execs:-?} execs in $$((end - start)) s, $$found crashes"; \
		if [ $$found -gt 0 ]; then \
			fail=1; grep -m 1 -A 12 'ERROR:' $$log | grep -v 'in fuzzer::'; \
			grep 'Test unit written to\|SUMMARY:' $$log; \
			echo "  log: $$log"; \
		fi; \
	done; \
	exit $$fail

# The same harnesses without libFuzzer, built like everything else in $(BUILD).
$(FUZZ_REPLAYS): $(BUILD)/fuzz-replay-%: $(OBJS) $(BUILD)/$(FUZZ_DIR)/fuzz_%.o \
		$(BUILD)/$(FUZZ_DIR)/replay.o
	@echo "  LD    $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

fuzz-replay-build: $(FUZZ_REPLAYS)

fuzz-replay: $(FUZZ_REPLAYS)
	@for t in $(FUZZ_TARGETS); do \
		reg=$(FUZZ_DIR)/regressions/$$t; [ -d $$reg ] || reg=; \
		$(BUILD)/fuzz-replay-$$t $(FUZZ_DIR)/corpus/$$t $$reg || exit 1; \
	done
