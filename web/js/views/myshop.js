// "My shop" for shop owners: claim a place as the shop, add products, and handle incoming
// orders with exactly the moves the API allows the shop (docs/api.md, "Moving an order").

import { get, post } from '../api.js';
import { categoryName, formatMoney, t } from '../i18n.js';
import { fitPoints, setOverlay } from '../map.js';
import { busy, h, toast } from '../ui.js';
import { orderCard } from './orders.js';

// The shop's moves from each state; handing over is for delivery orders, collecting for pickups.
function shopMoves(o) {
    if (o.state === 'placed') return ['accepted', 'rejected'];
    if (o.state === 'accepted') return ['ready'];
    if (o.state === 'ready') return [o.delivery ? 'handed_over' : 'collected'];
    return [];
}

const CLAIMABLE = ['grocery', 'bakery', 'butcher', 'pharmacy', 'shop_other'];

async function renderClaim(panel, reload) {
    panel.append(h('p', {}, t('myshop.none')));
    const places = (await get('/api/places?limit=1000')).filter(
        (p) => CLAIMABLE.includes(p.category) && !p.shop_id,
    );
    panel.append(
        h(
            'ul',
            { class: 'cards' },
            places.map((p) => {
                const b = h('button', { type: 'button' }, t('myshop.claim'));
                b.addEventListener('click', () =>
                    busy(b, async () => {
                        await post('/api/shops', { osm_type: p.osm_type, osm_id: p.osm_id });
                        await reload();
                    }),
                );
                return h(
                    'li',
                    { class: 'card' },
                    h('strong', {}, p.name || categoryName(p.category)),
                    h('div', { class: 'muted' }, categoryName(p.category)),
                    b,
                );
            }),
        ),
    );
}

function productForm(shop, reload) {
    const name = h('input', { id: `pname-${shop.id}`, required: true, maxlength: 200 });
    const price = h('input', {
        id: `pprice-${shop.id}`,
        type: 'number',
        min: 0,
        step: '0.01',
        required: true,
    });
    const unit = h('input', {
        id: `punit-${shop.id}`,
        required: true,
        maxlength: 32,
        value: 'Stück',
    });
    const stock = h('input', {
        id: `pstock-${shop.id}`,
        type: 'number',
        min: 0,
        value: 10,
        required: true,
    });
    const submit = h('button', { type: 'submit' }, t('myshop.add'));
    const form = h(
        'form',
        { class: 'grid' },
        h('label', { for: name.id }, t('myshop.name')),
        name,
        h('label', { for: price.id }, t('myshop.price')),
        price,
        h('label', { for: unit.id }, t('myshop.unit')),
        unit,
        h('label', { for: stock.id }, t('myshop.stock')),
        stock,
        h('span'),
        submit,
    );
    form.addEventListener('submit', (e) => {
        e.preventDefault();
        busy(submit, async () => {
            await post(`/api/shops/${shop.id}/products`, {
                name: name.value,
                unit: unit.value,
                stock: Number(stock.value),
                price_cents: Math.round(Number(price.value) * 100),
            });
            await reload();
        });
    });
    return h('details', {}, h('summary', {}, t('myshop.addproduct')), form);
}

export async function render(panel) {
    panel.append(h('h1', {}, t('myshop.title')));
    const body = h('div');
    panel.append(body);
    async function load() {
        const shops = await get('/api/shops?mine=true');
        body.replaceChildren();
        if (!shops.length) {
            await renderClaim(body, load);
            return;
        }
        setOverlay('places', {
            type: 'FeatureCollection',
            features: shops.map((s) => ({
                type: 'Feature',
                geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
                properties: { id: s.place, open_now: s.open_now },
            })),
        });
        fitPoints(
            shops.map((s) => [s.lon, s.lat]),
            15,
        );
        const mine = new Set(shops.map((s) => s.id));
        const orders = (await get('/api/orders?limit=100')).filter((o) => mine.has(o.shop.id));
        for (const shop of shops) {
            const products = await get(`/api/shops/${shop.id}/products`);
            const incoming = orders.filter((o) => o.shop.id === shop.id);
            body.append(
                h('h2', {}, shop.name),
                h('h3', {}, t('orders.incoming')),
                h(
                    'ul',
                    { class: 'cards', id: `incoming-${shop.id}` },
                    incoming.length
                        ? incoming.map((o) =>
                              orderCard(
                                  o,
                                  shopMoves(o).map((state) => {
                                      const b = h(
                                          'button',
                                          {
                                              type: 'button',
                                              class: state === 'rejected' ? 'secondary' : '',
                                              dataset: { move: state },
                                          },
                                          t(`do.${state}`),
                                      );
                                      b.addEventListener('click', () =>
                                          busy(b, async () => {
                                              await post(`/api/orders/${o.id}/transition`, {
                                                  state,
                                              });
                                              const name = t('orders.order', { id: o.id });
                                              toast(`${name}: ${t(`state.${state}`)}`);
                                              await load();
                                          }),
                                      );
                                      return b;
                                  }),
                              ),
                          )
                        : [h('li', { class: 'muted' }, t('orders.none'))],
                ),
                h('h3', {}, t('shop.products')),
                h(
                    'ul',
                    { class: 'plain' },
                    products.map((p) =>
                        h(
                            'li',
                            {},
                            `${p.name}: `,
                            formatMoney(p.price_cents),
                            ` / ${p.unit} · `,
                            t('shop.instock', { n: p.stock }),
                        ),
                    ),
                ),
                productForm(shop, load),
            );
        }
    }
    await load();
    // New orders show up by themselves, but never while the owner is typing in a form.
    const timer = setInterval(() => {
        if (!body.contains(document.activeElement)) load().catch(() => {});
    }, 15000);
    return () => clearInterval(timer);
}
