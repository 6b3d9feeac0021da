-- tests/bench/tiles/postgis.sql: the PostGIS side of the tile benchmark (run): the base map's
-- seven layers with the zoom rules of api/tile_base.c, made by ST_AsMVTGeom and ST_AsMVT.
-- The tables come from the region file through ogr2ogr in EPSG:3857 with GiST indexes; what
-- dorf computes once per region load (a class's smallest zoom, one-way, polygon areas) is
-- computed here once too, into columns with indexes.

ALTER TABLE road_edge ADD COLUMN minzoom integer, ADD COLUMN oneway boolean;
UPDATE road_edge SET
    minzoom = CASE
        WHEN highway IN ('motorway', 'motorway_link', 'trunk', 'trunk_link') THEN 6
        WHEN highway IN ('primary', 'primary_link') THEN 8
        WHEN highway IN ('secondary', 'secondary_link') THEN 9
        WHEN highway IN ('tertiary', 'tertiary_link') THEN 10
        WHEN highway IN ('unclassified', 'residential', 'living_street', 'road', 'pedestrian')
            THEN 12
        WHEN highway IN ('service', 'track') THEN 13
        ELSE 14 END,
    oneway = ((access_forward & 4) <> 0) <> ((access_backward & 4) <> 0);
-- One way for cars, open backward only: drawn in the direction of travel, as dorf does.
UPDATE road_edge SET geom = ST_Reverse(geom)
    WHERE (access_forward & 4) = 0 AND (access_backward & 4) <> 0;

ALTER TABLE map_feature ADD COLUMN minzoom integer, ADD COLUMN area double precision;
UPDATE map_feature SET
    minzoom = CASE
        WHEN layer = 'railway' THEN CASE
            WHEN kind = 'rail' THEN 8
            WHEN kind IN ('light_rail', 'narrow_gauge', 'subway', 'tram', 'monorail',
                          'funicular') THEN 10
            ELSE 13 END
        WHEN layer = 'waterway' THEN CASE
            WHEN kind IN ('river', 'canal') THEN 8
            WHEN kind = 'stream' THEN 11
            ELSE 13 END
        ELSE 8 END,
    area = CASE WHEN layer IN ('landcover', 'water') THEN ST_Area(geom) ELSE 0 END;

ALTER TABLE building ADD COLUMN area double precision;
UPDATE building SET area = ST_Area(geom);
ALTER TABLE place ADD COLUMN pid text;
UPDATE place SET pid = osm_type || osm_id;

CREATE INDEX ON map_feature (layer);
ANALYZE road_edge;
ANALYZE building;
ANALYZE place;
ANALYZE map_feature;

-- One tile of the base map: layers in dorf's order, empty layers left out by ST_AsMVT.
CREATE FUNCTION dorf_tile(tz integer, tx integer, ty integer) RETURNS bytea
LANGUAGE plpgsql STABLE AS $$
DECLARE
    env geometry := ST_TileEnvelope(tz, tx, ty);
    box geometry := ST_TileEnvelope(tz, tx, ty, margin => 64.0 / 4096);
    min_area double precision :=
        CASE WHEN tz < 16 THEN 64 * power(40075016.68557849 / (2 ^ tz * 4096), 2) ELSE 0 END;
    tile bytea;
BEGIN
    SELECT
        coalesce((SELECT ST_AsMVT(t, 'landcover', 4096, 'geom') FROM (
            SELECT ST_AsMVTGeom(f.geom, env, 4096, 64, true) AS geom, f.kind AS class
            FROM map_feature f WHERE f.layer = 'landcover' AND f.minzoom <= tz
                AND f.geom && box AND f.area >= min_area) t WHERE t.geom IS NOT NULL), '') ||
        coalesce((SELECT ST_AsMVT(t, 'water', 4096, 'geom') FROM (
            SELECT ST_AsMVTGeom(f.geom, env, 4096, 64, true) AS geom, f.kind AS class, f.name
            FROM map_feature f WHERE f.layer = 'water' AND f.minzoom <= tz
                AND f.geom && box AND f.area >= min_area) t WHERE t.geom IS NOT NULL), '') ||
        coalesce((SELECT ST_AsMVT(t, 'waterway', 4096, 'geom') FROM (
            SELECT ST_AsMVTGeom(f.geom, env, 4096, 64, true) AS geom, f.kind AS class, f.name
            FROM map_feature f WHERE f.layer = 'waterway' AND f.minzoom <= tz
                AND f.geom && box) t WHERE t.geom IS NOT NULL), '') ||
        coalesce((SELECT ST_AsMVT(t, 'railway', 4096, 'geom') FROM (
            SELECT ST_AsMVTGeom(f.geom, env, 4096, 64, true) AS geom, f.kind AS class
            FROM map_feature f WHERE f.layer = 'railway' AND f.minzoom <= tz
                AND f.geom && box) t WHERE t.geom IS NOT NULL), '') ||
        coalesce((SELECT ST_AsMVT(t, 'roads', 4096, 'geom') FROM (
            SELECT ST_AsMVTGeom(r.geom, env, 4096, 64, true) AS geom, r.highway AS class,
                r.name, r.oneway
            FROM road_edge r WHERE r.minzoom <= tz AND r.geom && box) t
            WHERE t.geom IS NOT NULL), '') ||
        coalesce((SELECT ST_AsMVT(t, 'buildings', 4096, 'geom') FROM (
            SELECT ST_AsMVTGeom(b.geom, env, 4096, 64, true) AS geom, b.kind
            FROM building b WHERE tz >= 13 AND b.geom && box AND b.area >= min_area) t
            WHERE t.geom IS NOT NULL), '') ||
        coalesce((SELECT ST_AsMVT(t, 'places', 4096, 'geom') FROM (
            SELECT ST_AsMVTGeom(p.geom, env, 4096, 64, true) AS geom, p.pid AS id, p.name,
                p.category, p.osm_value AS subclass
            FROM place p WHERE tz >= 12 AND p.geom && box) t WHERE t.geom IS NOT NULL), '')
    INTO tile;
    RETURN tile;
END $$;

CREATE TABLE tiles (ord serial, z integer, x integer, y integer);
CREATE TABLE pg_sizes (z integer, x integer, y integer, bytes integer);

-- Every tile `rounds` times, each call timed with clock_timestamp(); the best round per zoom.
CREATE FUNCTION bench_tiles(rounds integer)
RETURNS TABLE (zoom integer, tiles bigint, secs double precision, bytes bigint)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    t0 timestamptz;
    n integer;
    best double precision[] := array_fill(1e300::float8, ARRAY[23]);
    spent double precision[];
BEGIN
    FOR k IN 1..rounds LOOP
        spent := array_fill(0::float8, ARRAY[23]);
        TRUNCATE pg_sizes;
        FOR r IN SELECT t.z, t.x, t.y FROM tiles t ORDER BY t.ord LOOP
            t0 := clock_timestamp();
            n := coalesce(length(dorf_tile(r.z, r.x, r.y)), 0);
            spent[r.z + 1] := spent[r.z + 1] + extract(epoch FROM clock_timestamp() - t0);
            INSERT INTO pg_sizes VALUES (r.z, r.x, r.y, n);
        END LOOP;
        FOR i IN 1..23 LOOP
            best[i] := least(best[i], spent[i]);
        END LOOP;
    END LOOP;
    RETURN QUERY SELECT s.z, count(*), best[s.z + 1], sum(s.bytes)::bigint
        FROM pg_sizes s GROUP BY s.z ORDER BY s.z;
END $$;
