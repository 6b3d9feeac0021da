// DorfNews: upcoming events and news, as lists and, where they have a place, on the map.
// "Near the map centre" narrows both to what lies within 5 km of the map's centre.

import { get } from '../api.js';
import { formatTime, t } from '../i18n.js';
import { centre, onOverlayClick, setOverlay, showPopup } from '../map.js';
import { h } from '../ui.js';

function postCard(p) {
    return h(
        'li',
        { class: 'card post', dataset: { post: p.id } },
        h(
            'div',
            { class: 'row' },
            h('strong', {}, p.title),
            p.official ? h('span', { class: 'badge official' }, t('news.official')) : null,
        ),
        p.kind === 'event'
            ? h(
                  'div',
                  { class: 'when' },
                  formatTime(p.starts_at),
                  p.ends_at ? ` – ${formatTime(p.ends_at)}` : '',
              )
            : null,
        h('p', {}, p.body),
        h(
            'div',
            { class: 'muted' },
            p.author ? p.author.name : '',
            ' · ',
            formatTime(p.created_at),
        ),
    );
}

function popup(p) {
    return h(
        'div',
        { class: 'popup' },
        h('h3', {}, p.title),
        p.kind === 'event' ? h('p', { class: 'when' }, formatTime(p.starts_at)) : null,
        h('p', {}, p.body),
    );
}

export async function render(panel) {
    const near = h('input', { type: 'checkbox', id: 'news-near' });
    const events = h('ul', { class: 'cards', id: 'event-list' });
    const news = h('ul', { class: 'cards', id: 'news-list' });
    panel.append(
        h('h1', {}, t('news.title')),
        h('label', { class: 'check' }, near, ' ', t('news.near')),
        h('h2', {}, t('news.events')),
        events,
        h('h2', {}, t('news.news')),
        news,
    );
    const byId = new Map();
    onOverlayClick('posts', (f) => {
        const p = byId.get(f.properties.id);
        if (p)
            showPopup(
                p.location ? [p.location.lon, p.location.lat] : f.geometry.coordinates,
                popup(p),
            );
    });
    async function load() {
        const now = Math.floor(Date.now() / 1000);
        const c = centre();
        const where = near.checked ? `&near=${c.lon},${c.lat}&radius=5000` : '';
        const [ev, nw] = await Promise.all([
            get(`/api/events?limit=50&from=${now - 3600}${where}`),
            get(`/api/news?limit=50${where}`),
        ]);
        const evs = ev.posts.slice().sort((a, b) => a.starts_at - b.starts_at);
        events.replaceChildren(
            ...(evs.length ? evs.map(postCard) : [h('li', { class: 'muted' }, t('news.none'))]),
        );
        news.replaceChildren(
            ...(nw.posts.length
                ? nw.posts.map(postCard)
                : [h('li', { class: 'muted' }, t('news.none'))]),
        );
        const located = [...evs, ...nw.posts].filter((p) => p.location);
        byId.clear();
        for (const p of located) byId.set(p.id, p);
        setOverlay('posts', {
            type: 'FeatureCollection',
            features: located.map((p) => ({
                type: 'Feature',
                geometry: { type: 'Point', coordinates: [p.location.lon, p.location.lat] },
                properties: { id: p.id, kind: p.kind },
            })),
        });
    }
    near.addEventListener('change', () => load());
    await load();
    return () => onOverlayClick('posts', null);
}
