# moxy: build, run, test.
#   make            build build/moxy
#   make SANITIZE=1 the same with ASan + UBSan into build-san/
#   make run        install missing packages, build, run conf/nginx.conf
#   make test       install missing packages, build, run every test

PREFIX     ?= $(CURDIR)/
CC         ?= cc
PKGS       := luajit libnghttp2 openssl libpcre2-8 hiredis libcares

ifeq ($(SANITIZE),1)
BUILD      := build-san
SANFLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=undefined
OPT        := -O1
else
BUILD      := build
SANFLAGS   :=
OPT        := -O2
endif

CORE_DIRS  := $(sort $(dir $(wildcard core/*/)))
INCLUDES   := $(addprefix -I,$(CORE_DIRS))
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS     += -std=c11 -Wall -Wextra -Werror $(OPT) -g -D_GNU_SOURCE -DPCRE2_CODE_UNIT_WIDTH=8 \
              -DMX_PREFIX='"$(PREFIX)"' -DMX_LUA_DIR='"$(CURDIR)/lua/"' \
              -DMX_LUALIB_DIR='"$(CURDIR)/lualib/"' \
              $(INCLUDES) $(PKG_CFLAGS) $(SANFLAGS)
LDFLAGS    += $(SANFLAGS) -rdynamic
LIBS        = $(PKG_LIBS) -lev -lm -ldl -lpthread

SRCS       := $(wildcard core/*/*.c)
OBJS       := $(patsubst core/%.c,$(BUILD)/obj/%.o,$(SRCS))
MAIN_OBJ   := $(BUILD)/obj/main/mx_main.o
LIB_OBJS   := $(filter-out $(BUILD)/obj/main/%,$(OBJS))
UNIT_SRCS  := $(wildcard t/unit/test_*.c)
UNIT_BINS  := $(patsubst t/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))

.PHONY: all deps run test unit prove clean bench test-san

all: $(BUILD)/moxy

$(BUILD)/moxy: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(BUILD)/obj/%.o: core/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/unit/%: t/unit/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-unused-function -o $@ $< $(LIB_OBJS) \
	    $(LDFLAGS) $(shell pkg-config --libs check) $(LIBS)

-include $(OBJS:.o=.d)

deps:
	@sh scripts/deps.sh

# the demo runs in build/run/ with the shipped conf/ and conf/html/
run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p $(BUILD)/run/logs
	@ln -sfn $(CURDIR)/conf $(BUILD)/run/conf
	@ln -sfn $(CURDIR)/conf/html $(BUILD)/run/html
	@echo "moxy: serving http://127.0.0.1:8080/ (Ctrl-C stops)"
	$(BUILD)/moxy -p $(CURDIR)/$(BUILD)/run/ -c conf/nginx.conf \
	    -e stderr -g 'daemon off; master_process on;'

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "unit: $$t"; CK_VERBOSITY=minimal $$t; done

prove: all
	TEST_NGINX_BINARY=$${TEST_NGINX_BINARY:-$(CURDIR)/$(BUILD)/moxy} \
	    prove -It/lib -r t/

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory prove

# the whole suite on the ASan + UBSan build; sanitizer reports from the
# daemonized server go to files, and any report fails the run
SAN_LOGS := $(CURDIR)/build-san/reports
test-san: deps
	@$(MAKE) --no-print-directory SANITIZE=1 all
	@$(MAKE) --no-print-directory SANITIZE=1 unit
	@rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS)
	ASAN_OPTIONS=log_path=$(SAN_LOGS)/asan:detect_leaks=1 \
	UBSAN_OPTIONS=log_path=$(SAN_LOGS)/ubsan:print_stacktrace=1 \
	TEST_NGINX_BINARY=$(CURDIR)/build-san/moxy prove -It/lib -r t/
	@if [ -n "$$(ls -A $(SAN_LOGS))" ]; then \
	    cat $(SAN_LOGS)/*; echo "sanitizer reports found"; exit 1; fi

# moxy side by side with nginx + lua-nginx-module (a few minutes; never part
# of make test); BENCH_QUICK=1 for a short smoke run
bench:
	@sh scripts/deps.sh bench
	@$(MAKE) --no-print-directory all
	perl scripts/bench/run

clean:
	rm -rf build build-san t/servroot*
