// A shop's page: its opening hours, its products and the order form. An order is picked up at
// the shop or delivered by LieferBar to a point the citizen chooses on the map (or the map's
// centre, which keyboard users move with the arrow keys).

import { get, hasRole, post } from '../api.js';
import { categoryName, formatMoney, t } from '../i18n.js';
import { centre, flyTo, pickPoint, setMarker, setOverlay } from '../map.js';
import { busy, h, toast } from '../ui.js';

export async function render(panel, id) {
    const [shop, products] = await Promise.all([
        get(`/api/shops/${id}`),
        get(`/api/shops/${id}/products`),
    ]);
    setOverlay('places', {
        type: 'FeatureCollection',
        features: [
            {
                type: 'Feature',
                geometry: { type: 'Point', coordinates: [shop.lon, shop.lat] },
                properties: { id: shop.place, open_now: shop.open_now },
            },
        ],
    });
    flyTo([shop.lon, shop.lat], 15);

    const open =
        shop.open_now === true
            ? h('span', { class: 'badge open' }, t('places.open'))
            : shop.open_now === false
              ? h('span', { class: 'badge closed' }, t('places.closed'))
              : h('span', { class: 'badge unknown' }, t('places.unknown'));
    panel.append(
        h('p', {}, h('a', { href: '#/' }, '← ', t('common.back'))),
        h('h1', {}, shop.name),
        h('p', { class: 'muted' }, shop.category ? categoryName(shop.category) : '', ' ', open),
        shop.opening_hours
            ? h('p', {}, h('strong', {}, t('places.hours'), ': '), shop.opening_hours)
            : '',
        h('h2', {}, t('shop.products')),
    );
    const active = products.filter((p) => p.active && p.stock > 0);
    if (!active.length) {
        panel.append(h('p', { class: 'muted' }, t('shop.noproducts')));
        return undefined;
    }

    const quantities = new Map();
    const total = h('output', { id: 'order-total' }, formatMoney(0));
    const recompute = () => {
        let cents = 0;
        for (const p of active) cents += (Number(quantities.get(p.id).value) || 0) * p.price_cents;
        total.textContent = formatMoney(cents);
    };
    const rows = active.map((p) => {
        const input = h('input', {
            type: 'number',
            min: 0,
            max: p.stock,
            value: 0,
            inputmode: 'numeric',
            id: `qty-${p.id}`,
            'aria-label': t('shop.quantity', { name: p.name }),
            oninput: recompute,
        });
        quantities.set(p.id, input);
        return h(
            'li',
            { class: 'product' },
            h(
                'div',
                {},
                h('strong', {}, p.name),
                h(
                    'div',
                    { class: 'muted' },
                    formatMoney(p.price_cents),
                    ' / ',
                    p.unit,
                    ' · ',
                    t('shop.instock', { n: p.stock }),
                ),
            ),
            input,
        );
    });

    let dropoff = null;
    const where = h('span', { id: 'dropoff-where' }, t('shop.dropoff.none'));
    const setDropoff = (point) => {
        dropoff = point;
        setMarker(point);
        where.textContent = point
            ? `${point.lat.toFixed(5)}, ${point.lon.toFixed(5)}`
            : t('shop.dropoff.none');
    };
    const pickup = h('input', {
        type: 'radio',
        name: 'how',
        value: 'pickup',
        checked: true,
        id: 'how-pickup',
    });
    const delivery = h('input', {
        type: 'radio',
        name: 'how',
        value: 'delivery',
        id: 'how-delivery',
    });
    const dropoffBox = h(
        'fieldset',
        { class: 'dropoff', hidden: true },
        h('legend', {}, t('shop.dropoff')),
        h('p', {}, where),
        h(
            'button',
            {
                type: 'button',
                id: 'pick-dropoff',
                onclick: async () => {
                    const point = await pickPoint();
                    if (point) setDropoff(point);
                },
            },
            t('shop.dropoff.pick'),
        ),
        ' ',
        h(
            'button',
            { type: 'button', class: 'secondary', onclick: () => setDropoff(centre()) },
            t('shop.dropoff.centre'),
        ),
    );
    const toggle = () => {
        dropoffBox.hidden = !delivery.checked;
    };
    pickup.addEventListener('change', toggle);
    delivery.addEventListener('change', toggle);

    const submit = h('button', { type: 'submit', id: 'place-order' }, t('shop.order'));
    const form = h(
        'form',
        { class: 'order', id: 'order-form' },
        h('ul', { class: 'products' }, rows),
        h(
            'fieldset',
            {},
            h('legend', {}, t('shop.howget')),
            h('label', { class: 'check' }, pickup, ' ', t('shop.pickup')),
            h('label', { class: 'check' }, delivery, ' ', t('shop.delivery')),
        ),
        dropoffBox,
        h('p', { class: 'total' }, t('shop.total'), ': ', total),
        submit,
    );
    form.addEventListener('submit', (e) => {
        e.preventDefault();
        if (!hasRole('citizen')) {
            toast(t('shop.needlogin'), 'error');
            return;
        }
        const items = active
            .map((p) => ({ product_id: p.id, quantity: Number(quantities.get(p.id).value) || 0 }))
            .filter((i) => i.quantity > 0);
        if (!items.length) {
            toast(t('shop.empty'), 'error');
            return;
        }
        const body = { shop_id: shop.id, items, delivery: delivery.checked };
        if (delivery.checked) {
            if (!dropoff) {
                toast(t('shop.needdropoff'), 'error');
                return;
            }
            body.dropoff = dropoff;
        }
        busy(submit, async () => {
            const order = await post('/api/orders', body);
            toast(t('shop.ordered', { id: order.id }));
            window.location.hash = '#/orders';
        });
    });
    panel.append(form);
    if (!hasRole('citizen')) panel.append(h('p', { class: 'muted' }, t('shop.needlogin')));
    return () => setMarker(null);
}
