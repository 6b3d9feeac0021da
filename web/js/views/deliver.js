// LieferBar for volunteers: say when and how you can carry parcels, see the open parcels on
// the map (pickup at the shop, drop-off at the household), let the optimiser plan your route
// (POST /api/routes, a job), see it on the map with its stops, accept it (claims its parcels,
// all or none), then mark each parcel picked up and delivered.

import { get, post, waitForJob } from '../api.js';
import { t } from '../i18n.js';
import { centre, fitPoints, setMarker, setOverlay, showParcelTiles } from '../map.js';
import { busy, h, stateBadge, toast } from '../ui.js';

function localInput(date) {
    const d = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
    return d.toISOString().slice(0, 16);
}

function parcelFeatures(parcels) {
    const features = [];
    for (const p of parcels) {
        features.push({
            type: 'Feature',
            geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
            properties: { id: p.id, end: 'pickup' },
        });
        features.push({
            type: 'Feature',
            geometry: { type: 'Point', coordinates: [p.dropoff.lon, p.dropoff.lat] },
            properties: { id: p.id, end: 'dropoff' },
        });
        features.push({
            type: 'Feature',
            geometry: {
                type: 'LineString',
                coordinates: [
                    [p.lon, p.lat],
                    [p.dropoff.lon, p.dropoff.lat],
                ],
            },
            properties: { id: p.id },
        });
    }
    return { type: 'FeatureCollection', features };
}

export async function render(panel) {
    panel.append(h('h1', {}, t('deliver.title')));
    const now = new Date();
    const from = h('input', {
        type: 'datetime-local',
        id: 'avail-from',
        value: localInput(now),
        required: true,
    });
    const until = h('input', {
        type: 'datetime-local',
        id: 'avail-until',
        required: true,
        value: localInput(new Date(now.getTime() + 3 * 3600 * 1000)),
    });
    const mode = h(
        'select',
        { id: 'avail-mode' },
        ['bike', 'walk', 'car'].map((m) => h('option', { value: m }, t(`deliver.${m}`))),
    );
    const capacity = h('input', {
        type: 'number',
        id: 'avail-capacity',
        min: 1,
        max: 20,
        value: 3,
    });
    const save = h('button', { type: 'submit', id: 'avail-save' }, t('deliver.save'));
    const availInfo = h('p', { class: 'muted', id: 'avail-info' });
    const form = h(
        'form',
        { class: 'grid', id: 'avail-form' },
        h('label', { for: from.id }, t('deliver.from')),
        from,
        h('label', { for: until.id }, t('deliver.until')),
        until,
        h('label', { for: mode.id }, t('deliver.mode')),
        mode,
        h('label', { for: capacity.id }, t('deliver.capacity')),
        capacity,
        h('span'),
        h('span', { class: 'muted' }, t('deliver.home')),
        h('span'),
        save,
    );
    const plan = h('button', { type: 'button', id: 'plan-route' }, t('deliver.plan'));
    const routeBox = h('section', { id: 'route', 'aria-live': 'polite' });
    const openList = h('ul', { class: 'cards', id: 'open-parcels' });
    const mineList = h('ul', { class: 'cards', id: 'my-parcels' });
    panel.append(
        h('details', { open: true }, h('summary', {}, t('deliver.available')), form, availInfo),
        h('p', {}, plan),
        routeBox,
        h('h2', {}, t('deliver.mine')),
        mineList,
        h('h2', {}, t('deliver.open')),
        openList,
    );

    let availability = null;
    async function loadAvailability() {
        const all = await get('/api/availability');
        const nowS = Date.now() / 1000;
        availability = all.filter((a) => a.until_at > nowS).sort((a, b) => b.id - a.id)[0] || null;
        availInfo.textContent = availability
            ? `${t('deliver.saved')} (${availability.mode}, ${availability.capacity})`
            : '';
        if (availability) setMarker({ lon: availability.home.lon, lat: availability.home.lat });
    }

    async function loadParcels() {
        const [open, mine] = await Promise.all([
            get('/api/parcels?limit=200'),
            get('/api/parcels?mine=true&limit=200'),
        ]);
        setOverlay('parcels', parcelFeatures([...open, ...mine]));
        openList.replaceChildren(
            ...(open.length
                ? open.map((p) => {
                      const claim = h(
                          'button',
                          { type: 'button', class: 'secondary' },
                          t('do.accepted'),
                      );
                      claim.addEventListener('click', () =>
                          busy(claim, async () => {
                              await post(`/api/parcels/${p.id}/claim`);
                              await loadParcels();
                          }),
                      );
                      return h(
                          'li',
                          { class: 'card', dataset: { parcel: p.id } },
                          h(
                              'div',
                              { class: 'row' },
                              h('strong', {}, t('deliver.parcel', { id: p.id, shop: p.shop })),
                              stateBadge(p.state),
                          ),
                          h('div', { class: 'actions' }, claim),
                      );
                  })
                : [h('li', { class: 'muted' }, t('deliver.noopen'))]),
        );
        mineList.replaceChildren(
            ...(mine.length
                ? mine.map((p) => {
                      const actions = [];
                      const act = (label, path, cls = '') => {
                          const b = h(
                              'button',
                              { type: 'button', class: cls, dataset: { act: path } },
                              t(label),
                          );
                          b.addEventListener('click', () =>
                              busy(b, async () => {
                                  await post(`/api/parcels/${p.id}/${path}`);
                                  const parcel = t('deliver.parcel', { id: p.id, shop: p.shop });
                                  toast(`${parcel}: ${t(label)}`);
                                  await loadParcels();
                              }),
                          );
                          actions.push(b);
                      };
                      if (p.state === 'claimed') {
                          act('deliver.pickedup', 'picked-up');
                          act('deliver.release', 'release', 'secondary');
                      } else if (p.state === 'picked_up') {
                          act('deliver.delivered', 'delivered');
                      }
                      return h(
                          'li',
                          { class: 'card', dataset: { parcel: p.id, state: p.state } },
                          h(
                              'div',
                              { class: 'row' },
                              h('strong', {}, t('deliver.parcel', { id: p.id, shop: p.shop })),
                              stateBadge(p.state),
                          ),
                          h('div', { class: 'actions' }, actions),
                      );
                  })
                : [h('li', { class: 'muted' }, t('deliver.nomine'))]),
        );
        return open;
    }

    form.addEventListener('submit', (e) => {
        e.preventDefault();
        busy(save, async () => {
            const home = centre();
            await post('/api/availability', {
                from_at: Math.floor(new Date(from.value).getTime() / 1000),
                until_at: Math.floor(new Date(until.value).getTime() / 1000),
                mode: mode.value,
                capacity: Number(capacity.value),
                max_detour_s: 1800,
                home,
            });
            toast(t('deliver.saved'));
            await loadAvailability();
        });
    });

    plan.addEventListener('click', () =>
        busy(plan, async () => {
            if (!availability) {
                toast(t('deliver.needavail'), 'error');
                return;
            }
            routeBox.replaceChildren(h('p', { class: 'muted' }, t('deliver.planning')));
            const job = await post('/api/routes', {
                availability_id: availability.id,
                time_limit_s: 1,
            });
            const result = await waitForJob(job.href);
            showRoute(result);
        }),
    );

    function showRoute(result) {
        const route = result.features.find((f) => f.properties.kind === 'route');
        setOverlay('route', result);
        if (!route || !result.parcels.length) {
            routeBox.replaceChildren(h('p', {}, t('deliver.noroute')));
            return;
        }
        fitPoints(route.geometry.coordinates, 16);
        const accept = h('button', { type: 'button', id: 'accept-route' }, t('deliver.accept'));
        accept.addEventListener('click', () =>
            busy(accept, async () => {
                const answer = await post(result.accept.href, result.accept.body);
                toast(t('deliver.accepted', { n: answer.claimed.length }));
                accept.disabled = true;
                await loadParcels();
            }),
        );
        const p = route.properties;
        routeBox.replaceChildren(
            h('h2', {}, t('deliver.route')),
            h(
                'p',
                {},
                t('deliver.routeinfo', {
                    n: result.parcels.length,
                    min: Math.round(p.travel_s / 60),
                }),
                ` (${p.departure}–${p.return})`,
            ),
            h(
                'ol',
                { class: 'stops', id: 'route-stops' },
                p.stops.map((s) =>
                    h(
                        'li',
                        { dataset: { kind: s.kind } },
                        h('span', { class: `stop stop-${s.kind}` }, t(`stop.${s.kind}`)),
                        ` ${s.time} `,
                        s.place || '',
                        s.parcel ? ` (#${s.parcel})` : '',
                    ),
                ),
            ),
            accept,
        );
    }

    const [, open] = await Promise.all([loadAvailability(), loadParcels()]);
    showParcelTiles(true);
    if (open.length)
        fitPoints(
            open.flatMap((p) => [
                [p.lon, p.lat],
                [p.dropoff.lon, p.dropoff.lat],
            ]),
            14,
        );
    return () => {
        showParcelTiles(false);
        setMarker(null);
    };
}
