// "My orders" for citizens: every order with its state, and cancelling while the API allows
// it (placed or accepted). Shop owners see their incoming orders in myshop.js, which shares
// orderCard().

import { currentUser, get, post } from '../api.js';
import { formatMoney, formatTime, t } from '../i18n.js';
import { busy, h, stateBadge } from '../ui.js';

export function orderCard(o, actions = []) {
    return h(
        'li',
        { class: 'card order', dataset: { order: o.id, state: o.state } },
        h(
            'div',
            { class: 'row' },
            h('strong', {}, t('orders.order', { id: o.id }), ' · ', o.shop.name),
            stateBadge(o.state),
        ),
        h(
            'ul',
            { class: 'items' },
            o.items.map((i) =>
                h(
                    'li',
                    {},
                    `${i.quantity} × ${i.name} (${i.unit}) `,
                    formatMoney(i.price_cents * i.quantity),
                ),
            ),
        ),
        h(
            'div',
            { class: 'muted' },
            o.delivery ? t('orders.delivery') : t('orders.pickup'),
            ' · ',
            formatMoney(o.total_cents),
            ' · ',
            t('orders.placedat', { time: formatTime(o.created_at) }),
        ),
        actions.length ? h('div', { class: 'actions' }, actions) : null,
    );
}

export async function render(panel) {
    const user = currentUser();
    panel.append(h('h1', {}, t('orders.title')));
    if (!user) {
        panel.append(h('p', {}, h('a', { href: '#/login' }, t('common.login'))));
        return;
    }
    const list = h('ul', { class: 'cards', id: 'my-orders' });
    panel.append(list);
    async function load() {
        const orders = (await get('/api/orders?limit=100')).filter((o) => o.citizen_id === user.id);
        list.replaceChildren(
            ...(orders.length
                ? orders.map((o) => {
                      const actions = [];
                      if (o.state === 'placed' || o.state === 'accepted') {
                          const b = h(
                              'button',
                              { type: 'button', class: 'secondary' },
                              t('orders.cancel'),
                          );
                          b.addEventListener('click', () =>
                              busy(b, async () => {
                                  await post(`/api/orders/${o.id}/transition`, {
                                      state: 'cancelled',
                                  });
                                  await load();
                              }),
                          );
                          actions.push(b);
                      }
                      return orderCard(o, actions);
                  })
                : [h('li', { class: 'muted' }, t('orders.none'))]),
        );
    }
    await load();
    const timer = setInterval(() => load().catch(() => {}), 15000);
    return () => clearInterval(timer);
}
