// The map: MapLibre GL JS on dorf's own vector tiles (/tiles/style.json, sources `base` and
// `live`; docs/api.md "Vector tiles"), with the portal's overlays drawn from GeoJSON the API
// answers: places, news and events, parcels, a planned route, a chosen delivery point.
// The style has no glyphs and no sprite, so the map shows no text: names appear in popups
// and in the lists beside the map. Tiles of the volunteer-only `parcels` source need the
// session token, which transformRequest adds to those requests alone.

import { authHeaders } from './api.js';
import { t, onLanguageChange } from './i18n.js';

let map = null;
let loaded = null;
const overlays = {};
const clickHandlers = {};

const ATTRIBUTION = '© OpenStreetMap contributors (ODbL)';

const FALLBACK_STYLE = {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0e6' } }],
};

// Overlay layers by name: one GeoJSON source each, drawn above the base map.
const OVERLAYS = {
    places: [
        {
            type: 'circle',
            paint: {
                'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 4, 15, 8],
                'circle-color': [
                    'match',
                    ['to-string', ['get', 'open_now']],
                    'true',
                    '#2e7d32',
                    'false',
                    '#b23c17',
                    '#546e7a',
                ],
                'circle-stroke-color': '#ffffff',
                'circle-stroke-width': 1.5,
            },
        },
    ],
    posts: [
        {
            type: 'circle',
            paint: {
                'circle-radius': 7,
                'circle-color': ['match', ['get', 'kind'], 'event', '#6a1b9a', '#00838f'],
                'circle-stroke-color': '#ffffff',
                'circle-stroke-width': 2,
            },
        },
    ],
    route: [
        {
            type: 'line',
            filter: ['==', ['geometry-type'], 'LineString'],
            layout: { 'line-join': 'round', 'line-cap': 'round' },
            paint: { 'line-color': '#ffffff', 'line-width': 9, 'line-opacity': 0.9 },
        },
        {
            type: 'line',
            filter: ['==', ['geometry-type'], 'LineString'],
            layout: { 'line-join': 'round', 'line-cap': 'round' },
            paint: { 'line-color': '#1565c0', 'line-width': 5 },
        },
        {
            type: 'circle',
            filter: ['==', ['geometry-type'], 'Point'],
            paint: {
                'circle-radius': 7,
                'circle-color': [
                    'match',
                    ['get', 'kind'],
                    'pickup',
                    '#ef6c00',
                    'dropoff',
                    '#2e7d32',
                    '#1565c0',
                ],
                'circle-stroke-color': '#ffffff',
                'circle-stroke-width': 2,
            },
        },
    ],
    parcels: [
        {
            type: 'line',
            filter: ['==', ['geometry-type'], 'LineString'],
            paint: { 'line-color': '#ef6c00', 'line-width': 1.5, 'line-dasharray': [2, 2] },
        },
        {
            type: 'circle',
            filter: ['==', ['geometry-type'], 'Point'],
            paint: {
                'circle-radius': ['match', ['get', 'end'], 'pickup', 8, 6],
                'circle-color': ['match', ['get', 'end'], 'pickup', '#ef6c00', '#00897b'],
                'circle-stroke-color': '#ffffff',
                'circle-stroke-width': 2,
            },
        },
    ],
};

function emptyCollection() {
    return { type: 'FeatureCollection', features: [] };
}

async function loadStyle() {
    try {
        const res = await fetch('/tiles/style.json');
        if (res.ok) return { style: await res.json(), tiles: true };
    } catch {
        // no tiles: the fallback below
    }
    return { style: FALLBACK_STYLE, tiles: false };
}

function addOverlays() {
    for (const [name, layers] of Object.entries(OVERLAYS)) {
        map.addSource(`dorf-${name}`, {
            type: 'geojson',
            data: overlays[name] || emptyCollection(),
        });
        layers.forEach((layer, i) => {
            map.addLayer({ id: `dorf-${name}-${i}`, source: `dorf-${name}`, ...layer });
            map.on('click', `dorf-${name}-${i}`, (e) => {
                if (clickHandlers[name] && e.features.length) clickHandlers[name](e.features[0], e);
            });
            map.on('mouseenter', `dorf-${name}-${i}`, () => {
                map.getCanvas().style.cursor = 'pointer';
            });
            map.on('mouseleave', `dorf-${name}-${i}`, () => {
                map.getCanvas().style.cursor = '';
            });
        });
    }
    // The portal draws places itself (with open-now colours and popups): hide the base map's.
    for (const layer of map.getStyle().layers) {
        if (layer['source-layer'] === 'places' && !layer.id.startsWith('dorf-')) {
            map.setLayoutProperty(layer.id, 'visibility', 'none');
        }
    }
}

export function initMap(container) {
    if (loaded) return loaded;
    if (!window.maplibregl) {
        const hint = document.getElementById('map-hint');
        hint.textContent = t('map.nomaplibre');
        hint.hidden = false;
        loaded = Promise.resolve(null);
        return loaded;
    }
    loaded = (async () => {
        const { style, tiles } = await loadStyle();
        map = new window.maplibregl.Map({
            container,
            style,
            center: [11.54, 50.01],
            zoom: 12,
            maxZoom: 19,
            attributionControl: false,
            transformRequest: (url) => {
                if (url.startsWith(`${window.location.origin}/tiles/parcels`)) {
                    return { url, headers: authHeaders() };
                }
                return { url };
            },
        });
        // Always visible, not folded into a button. dorf's tile sources name OpenStreetMap and the
        // ODbL themselves; without them the portal says it (its overlays show OSM data too).
        map.addControl(
            new window.maplibregl.AttributionControl({
                compact: false,
                customAttribution: tiles ? undefined : ATTRIBUTION,
            }),
            'bottom-right',
        );
        map.addControl(
            new window.maplibregl.NavigationControl({ showCompass: false }),
            'top-right',
        );
        map.addControl(new window.maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
        window.dorf = { map };
        await new Promise((resolve) => map.once('load', resolve));
        addOverlays();
        if (!tiles) {
            const hint = document.getElementById('map-hint');
            hint.textContent = t('map.notiles');
            hint.hidden = false;
            onLanguageChange(() => {
                hint.textContent = t('map.notiles');
            });
        }
        return map;
    })();
    return loaded;
}

export function getMap() {
    return map;
}

export async function setOverlay(name, geojson) {
    overlays[name] = geojson || emptyCollection();
    const m = await loaded;
    if (m && m.getSource(`dorf-${name}`)) m.getSource(`dorf-${name}`).setData(overlays[name]);
}

export function clearOverlays(except = []) {
    for (const name of Object.keys(OVERLAYS)) {
        if (!except.includes(name)) setOverlay(name, null);
    }
}

export function onOverlayClick(name, fn) {
    clickHandlers[name] = fn;
}

let popup = null;
export function showPopup(lngLat, content) {
    if (!map) return;
    if (popup) popup.remove();
    popup = new window.maplibregl.Popup({
        maxWidth: '300px',
        closeButton: true,
        focusAfterOpen: false,
    })
        .setLngLat(lngLat)
        .setDOMContent(content)
        .addTo(map);
}

export function closePopup() {
    if (popup) popup.remove();
    popup = null;
}

// Moves the map so that every [lon, lat] in `points` is in view.
export function fitPoints(points, maxZoom = 15) {
    if (!map || points.length === 0) return;
    const b = new window.maplibregl.LngLatBounds(points[0], points[0]);
    for (const p of points) b.extend(p);
    map.fitBounds(b, { padding: 60, maxZoom, duration: 0 });
}

export function flyTo(lngLat, zoom = 15) {
    if (map) map.easeTo({ center: lngLat, zoom: Math.max(map.getZoom(), zoom) });
}

export function centre() {
    const c = map ? map.getCenter() : { lng: 11.54, lat: 50.01 };
    return { lon: Math.round(c.lng * 1e6) / 1e6, lat: Math.round(c.lat * 1e6) / 1e6 };
}

export function bbox() {
    if (!map) return null;
    const b = map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map((v) => v.toFixed(5))
        .join(',');
}

let marker = null;
export function setMarker(point) {
    if (!map) return;
    if (marker) marker.remove();
    marker = point
        ? new window.maplibregl.Marker({ color: '#c62828' })
              .setLngLat([point.lon, point.lat])
              .addTo(map)
        : null;
}

// The next point the user clicks on the map; null when Escape cancels.
export function pickPoint() {
    if (!map) return Promise.resolve(null);
    const hint = document.getElementById('map-hint');
    const canvas = map.getCanvas();
    hint.textContent = t('map.pick');
    hint.hidden = false;
    canvas.style.cursor = 'crosshair';
    return new Promise((resolve) => {
        const finish = (value) => {
            map.off('click', onClick);
            window.removeEventListener('keydown', onKey);
            hint.hidden = true;
            canvas.style.cursor = '';
            resolve(value);
        };
        const onClick = (e) =>
            finish({ lon: +e.lngLat.lng.toFixed(6), lat: +e.lngLat.lat.toFixed(6) });
        const onKey = (e) => {
            if (e.key === 'Escape') finish(null);
        };
        map.on('click', onClick);
        window.addEventListener('keydown', onKey);
    });
}

// Adds the volunteer-only parcel tiles (/tiles/parcels.json) under the portal's overlays.
export async function showParcelTiles(visible) {
    const m = await loaded;
    if (!m) return;
    if (!m.getSource('parcels')) {
        if (!visible) return;
        const res = await fetch('/tiles/parcels.json', { headers: authHeaders() }).catch(
            () => null,
        );
        if (!res || !res.ok) return;
        m.addSource('parcels', {
            type: 'vector',
            url: `${window.location.origin}/tiles/parcels.json`,
        });
        m.addLayer(
            {
                id: 'parcels-tiles',
                type: 'circle',
                source: 'parcels',
                'source-layer': 'parcels',
                paint: {
                    'circle-radius': 5,
                    'circle-color': ['match', ['get', 'end'], 'pickup', '#ffb74d', '#80cbc4'],
                    'circle-stroke-color': '#ffffff',
                    'circle-stroke-width': 1,
                },
            },
            'dorf-places-0',
        );
    }
    m.setLayoutProperty('parcels-tiles', 'visibility', visible ? 'visible' : 'none');
}
