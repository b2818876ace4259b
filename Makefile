# SyncWell developer tasks. `make setup` installs everything; npm scripts call the rest.
SHELL := /bin/bash
export REDOCLY_TELEMETRY := off
export REDOCLY_SUPPRESS_UPDATE_NOTICE := true
export PACT_DO_NOT_TRACK := true
export PUPPETEER_SKIP_DOWNLOAD := 1
# AWS SDK versions are pinned in package-lock.json; its Node 22 notice is in the README.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED := true

.PHONY: setup generate check lint lint-openapi lint-asyncapi sdk-native native-deps

## Install system packages (redis-server) when missing, then the exact npm dependency tree.
setup:
	bash scripts/setup.sh

## Regenerate generated/ from contracts/ (deterministic; commit the result).
generate:
	npx tsx scripts/generate.ts generated

## Fail when generated/ is not exactly what the contracts produce.
check:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	npx tsx scripts/generate.ts "$$tmp/generated" >/dev/null && \
	if ! diff -r generated "$$tmp/generated" >/dev/null; then \
	  echo "generated/ is stale or hand-edited. Run 'make generate' and commit the result:"; \
	  diff -rq generated "$$tmp/generated"; exit 1; \
	else echo "generated/ matches the contracts"; fi

## Lint both contracts (Redocly + Spectral) and validate the AsyncAPI document.
lint: lint-openapi lint-asyncapi

lint-openapi:
	npx redocly lint contracts/openapi.yaml --format=stylish
	npx spectral lint contracts/openapi.yaml --fail-severity=warn

lint-asyncapi:
	npx spectral lint contracts/asyncapi.yaml --fail-severity=warn
	npx tsx scripts/validateAsyncApi.ts contracts/asyncapi.yaml

## Native clients (Kotlin Multiplatform, Swift, Kotlin JVM) from the contract into client-sdk-native/build/generated
## (git-ignored), through openapi-generator's Maven plugin; fails on generator warnings not known to be benign.
sdk-native:
	npx tsx scripts/nativeSdkGenerate.ts

## Fetch every Maven plugin and dependency the native clients need (for `make setup` on a fresh machine).
native-deps:
	cd client-sdk-native && mvn -B -q dependency:go-offline
