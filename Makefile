# dorf: the two commands the README opens with, and a few for developers.
#
#   make demo   install what is missing, build, import the sample region, show what it holds
#               (routes, a LieferBar day, coverage, a what-if report and a research export),
#               then serve the village platform (map portal and API) on 127.0.0.1:8080 until Ctrl-C
#   make test   install what is missing, build, run the whole suite plain and under ASan+UBSan,
#               then a short run of every fuzz target
#
# Both work as root on a fresh Debian 12 machine; scripts/install-deps adds missing packages.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
DEMO_DB ?= demo/region.dorf
DEMO_EXTRACT ?= data-samples/north-bayreuth.osm.pbf
FUZZ_SECONDS ?= 20
DEMO_LISTEN ?= 127.0.0.1:8080

.PHONY: all deps deps-postgres build release asan fuzz demo test test-plain test-asan test-fuzz bench clean

all: build

deps:
	@scripts/install-deps

# The suite's tests/routing/test_pgrouting.sh compares routes with pgRouting on a throwaway
# PostgreSQL (scripts/pg-test-server), so every target that runs ctest installs it too.
deps-postgres:
	@scripts/install-deps --postgres

build: deps
	cmake --preset debug >/dev/null
	cmake --build build/debug -j$(JOBS)

release: deps
	cmake --preset release >/dev/null
	cmake --build build/release -j$(JOBS)

asan: deps
	cmake --preset asan >/dev/null
	cmake --build build/asan -j$(JOBS)

fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build build/fuzz -j$(JOBS)

demo: release
	@mkdir -p $(dir $(DEMO_DB))
	build/release/cli/dorf import --db $(DEMO_DB) $(DEMO_EXTRACT)
	@echo
	build/release/cli/dorf info --db $(DEMO_DB)
	@echo
	@echo "By bike from the town hall by the pharmacy to Harsdorf's, and walking 5/10/15 minutes from it:"
	build/release/cli/dorf route --db $(DEMO_DB) --mode bike 11.5013,50.0167 11.5689,50.0265 >demo/route-bike.geojson
	build/release/cli/dorf isochrone --db $(DEMO_DB) --mode walk --minutes 5,10,15 11.5013,50.0167 >demo/isochrone-walk.geojson
	@python3 -c "import json; f=json.load(open('demo/route-bike.geojson'))['properties']; print('  route: %.1f km in %.0f min (demo/route-bike.geojson)' % (f['length_m'] / 1000, f['time_s'] / 60))"
	@python3 -c "import json; fs=json.load(open('demo/isochrone-walk.geojson'))['features']; print('  isochrones: ' + ', '.join('%g min %.2f km2' % (f['properties']['minutes'], f['properties']['area_m2'] / 1e6) for f in fs) + ' (demo/isochrone-walk.geojson)')"
	@echo
	@echo "A LieferBar day (Tuesday 2026-12-01, synthetic): 30 parcels from the shops, 10 volunteers:"
	build/release/cli/dorf lieferbar plan --db $(DEMO_DB) --date 2026-12-01 --parcels 30 --volunteers 10 --seed 1 --time 3 --quiet --out demo/lieferbar.geojson
	@python3 -c "import json; fs=[f['properties'] for f in json.load(open('demo/lieferbar.geojson'))['features']]; r=[p for p in fs if p['kind'] == 'route']; print('  lieferbar: %d parcels served by %d volunteers, %d unserved, %.0f min travel of which %.0f min detours (demo/lieferbar.geojson)' % (sum(len(p['parcels']) for p in r), len(r), sum(p['kind'] == 'unserved' for p in fs), sum(p['travel_s'] for p in r) / 60, sum(p['detour_s'] for p in r) / 60))"
	@rm -f demo/roads.geojson && ogr2ogr -f GeoJSON demo/roads.geojson $(DEMO_DB) road_edge -select highway
	@scripts/render-map demo/map.svg demo/roads.geojson:#9e9e9e,0.8,none \
		demo/isochrone-walk.geojson:#e65100,1,#ff980040 demo/route-bike.geojson:#1565c0,3,none \
		demo/lieferbar.geojson:#2e7d32,2,none
	@echo "  map: demo/map.svg$$(test -f demo/map.png && echo ' and demo/map.png')"
	@echo
	@echo "For planners: who reaches a grocery or bakery open on Tuesday at 10:00, on foot, by bike and with 10 LieferBar volunteers:"
	build/release/cli/dorf coverage --db $(DEMO_DB) --at "2026-12-01 10:00" --categories grocery,bakery --modes walk,bike --volunteers 10 --out demo/coverage.gpkg
	@echo
	@echo "What if the bakery in Neudrossenfeld closes and a parcel station opens in Harsdorf (docs/examples/scenario-close-bakery.json)?"
	build/release/cli/dorf scenario run --quiet --db $(DEMO_DB) --report demo/scenario-report.html docs/examples/scenario-close-bakery.json
	@echo "  report: demo/scenario-report.html (open it in a browser)"
	@echo
	@echo "For researchers: an anonymised export (docs/export.md) of synthetic platform activity on a copy of the region:"
	@rm -rf demo/research.dorf* demo/export
	build/release/cli/dorf import --quiet --db demo/research.dorf $(DEMO_EXTRACT)
	@scripts/seed-activity demo/research.dorf
	build/release/cli/dorf export --quiet --db demo/research.dorf --out demo/export
	@python3 -c "import json; m=json.load(open('demo/export/manifest.json')); s=m['suppression']; print('  export: %d of %d cells of 1 km published, %d suppressed (k = %d), %s noise; demo/export/' % (s['cells_published'], s['cells'], s['cells_suppressed'], s['k'], m['noise']['method']))"
	@echo
	@echo "The village platform (dorf serve) with its map portal on http://$(DEMO_LISTEN)/:"
	@scripts/demo-serve build/release/cli/dorf $(DEMO_DB) $(DEMO_LISTEN)

# The release build is made too, so that a change that breaks `make demo` cannot pass.
test: deps-postgres build release asan fuzz
	scripts/run-tests

test-plain: deps-postgres build
	ctest --test-dir build/debug --output-on-failure -j$(JOBS)

test-asan: deps-postgres asan
	ctest --test-dir build/asan --output-on-failure -j$(JOBS)

test-fuzz: fuzz
	scripts/run-fuzz $(FUZZ_SECONDS)

bench: release
	scripts/install-deps --bench
	tests/bench/import/run build/release/cli/dorf
	tests/bench/routing/run build/release
	tests/bench/tiles/run build/release
	tests/bench/coverage/run build/release
	tests/bench/siting/run build/release
	tests/bench/vrp/run --dorf build/release/cli/dorf
	build/release/tests/bench/vrp/dorf_bench_reopt $(wildcard ../shared/data/vrp/li_lim/100/*.txt)

clean:
	rm -rf build demo
