// Shops and services on the map with "open now" (the API evaluates the opening hours at the
// moment of the request, German local time), a category filter and a list beside the map
// sorted by distance from the map's centre. Places that are BestellBar shops link to the
// shop page.

import { get } from '../api.js';
import { categoryName, t } from '../i18n.js';
import {
    centre,
    fitPoints,
    flyTo,
    getMap,
    initMap,
    onOverlayClick,
    setOverlay,
    showPopup,
} from '../map.js';
import { h } from '../ui.js';

let fitted = false;

function placeName(p) {
    return p.name || categoryName(p.category);
}

function openBadge(open) {
    if (open === true) return h('span', { class: 'badge open' }, t('places.open'));
    if (open === false) return h('span', { class: 'badge closed' }, t('places.closed'));
    return h('span', { class: 'badge unknown' }, t('places.unknown'));
}

export function popupContent(p) {
    return h(
        'div',
        { class: 'popup' },
        h('h3', {}, placeName(p)),
        h('p', { class: 'muted' }, categoryName(p.category), ' ', openBadge(p.open_now)),
        p.opening_hours
            ? h('p', {}, h('strong', {}, t('places.hours'), ': '), p.opening_hours)
            : null,
        p.shop_id
            ? h(
                  'p',
                  {},
                  h('a', { href: `#/shop/${p.shop_id}`, class: 'button' }, t('places.toshop')),
              )
            : null,
    );
}

function distanceSq(p, c) {
    const dx = (p.lon - c.lon) * Math.cos((c.lat * Math.PI) / 180);
    const dy = p.lat - c.lat;
    return dx * dx + dy * dy;
}

export async function render(panel) {
    const select = h('select', { id: 'category' }, h('option', { value: '' }, t('places.all')));
    const openOnly = h('input', { type: 'checkbox', id: 'open-only' });
    const count = h('p', { class: 'muted', id: 'place-count' });
    const list = h('ul', { class: 'cards', id: 'place-list' });
    panel.append(
        h('h1', {}, t('places.title')),
        h(
            'div',
            { class: 'filters' },
            h('label', { for: 'category' }, t('places.category')),
            select,
            h('label', { class: 'check' }, openOnly, ' ', t('places.opennow')),
        ),
        count,
        list,
    );

    const places = await get('/api/places?limit=1000');
    const cats = [...new Set(places.map((p) => p.category))].sort((a, b) =>
        categoryName(a).localeCompare(categoryName(b)),
    );
    for (const c of cats) select.append(h('option', { value: c }, categoryName(c)));

    const map = await initMap();
    if (!fitted && places.length) {
        fitPoints(places.map((p) => [p.lon, p.lat]));
        fitted = true;
    }

    const show = (p) => {
        flyTo([p.lon, p.lat]);
        showPopup([p.lon, p.lat], popupContent(p));
    };

    function update() {
        const chosen = places.filter(
            (p) =>
                (!select.value || p.category === select.value) &&
                (!openOnly.checked || p.open_now === true),
        );
        const c = centre();
        chosen.sort((a, b) => distanceSq(a, c) - distanceSq(b, c));
        count.textContent = t('places.count', { n: chosen.length });
        list.replaceChildren(
            ...(chosen.length
                ? chosen.slice(0, 200).map((p) =>
                      h(
                          'li',
                          { class: 'card' },
                          h(
                              'button',
                              {
                                  type: 'button',
                                  class: 'linklike',
                                  'aria-label': t('places.show', { name: placeName(p) }),
                                  onclick: () => show(p),
                              },
                              placeName(p),
                          ),
                          h(
                              'div',
                              { class: 'muted' },
                              categoryName(p.category),
                              ' ',
                              openBadge(p.open_now),
                          ),
                          p.shop_id
                              ? h('a', { href: `#/shop/${p.shop_id}` }, t('places.toshop'))
                              : null,
                      ),
                  )
                : [h('li', { class: 'muted' }, t('places.none'))]),
        );
        setOverlay('places', {
            type: 'FeatureCollection',
            features: chosen.map((p) => ({
                type: 'Feature',
                geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
                properties: { id: p.id, open_now: p.open_now },
            })),
        });
    }
    const byId = new Map(places.map((p) => [p.id, p]));
    onOverlayClick('places', (f) => {
        const p = byId.get(f.properties.id);
        if (p) showPopup([p.lon, p.lat], popupContent(p));
    });
    select.addEventListener('change', update);
    openOnly.addEventListener('change', update);
    update();
    let timer = null;
    const onMove = () => {
        clearTimeout(timer);
        timer = setTimeout(update, 250);
    };
    if (map) map.on('moveend', onMove);
    return () => {
        clearTimeout(timer);
        if (getMap()) getMap().off('moveend', onMove);
        onOverlayClick('places', null);
    };
}
