// DorfFunk: the citizens' board. A channel's posts with their replies, posting and replying,
// and live updates: the stream (/api/funk/{channel}/stream) needs the session token, which
// EventSource cannot send, so api.js reads it with fetch() and a ReadableStream.

import { currentUser, get, openEventStream, post } from '../api.js';
import { formatTime, t } from '../i18n.js';
import { busy, h } from '../ui.js';

const CHANNELS = ['general', 'help', 'lending', 'rides'];

function replyItem(r) {
    return h(
        'li',
        { class: 'reply', dataset: { reply: r.id } },
        h('p', {}, r.body),
        h(
            'div',
            { class: 'muted' },
            r.author ? r.author.name : '',
            ' · ',
            formatTime(r.created_at),
        ),
    );
}

export async function render(panel, channel) {
    if (!CHANNELS.includes(channel)) channel = 'general';
    panel.append(h('h1', {}, t('funk.title')));
    if (!currentUser()) {
        panel.append(h('p', {}, h('a', { href: '#/login' }, t('common.login'))));
        return undefined;
    }
    panel.append(
        h(
            'nav',
            { 'aria-label': t('funk.channels'), class: 'tabs' },
            CHANNELS.map((c) =>
                h(
                    'a',
                    { href: `#/funk/${c}`, 'aria-current': c === channel ? 'page' : false },
                    t(`funk.${c}`),
                ),
            ),
        ),
    );

    const title = h('input', { id: 'funk-title', required: true, maxlength: 200 });
    const text = h('textarea', { id: 'funk-body', required: true, rows: 3, maxlength: 10000 });
    const send = h('button', { type: 'submit' }, t('funk.send'));
    const form = h(
        'form',
        { class: 'stack', id: 'funk-form' },
        h('label', { for: 'funk-title' }, t('funk.subject')),
        title,
        h('label', { for: 'funk-body' }, t('funk.text')),
        text,
        send,
    );
    const live = h('p', { class: 'muted', id: 'funk-live', role: 'status' });
    const list = h('ul', { class: 'cards', id: 'funk-list' });
    panel.append(h('details', { open: true }, h('summary', {}, t('funk.new')), form), live, list);

    const cards = new Map();
    function postCard(p) {
        const count = h('span', { class: 'count' }, t('funk.replies', { n: p.reply_count || 0 }));
        const replies = h('ul', { class: 'replies' });
        const replyText = h('textarea', {
            rows: 2,
            required: true,
            id: `reply-${p.id}`,
            maxlength: 10000,
        });
        const replyButton = h('button', { type: 'submit' }, t('funk.reply'));
        const replyForm = h(
            'form',
            { class: 'stack' },
            h(
                'label',
                { for: `reply-${p.id}`, class: 'visually-hidden' },
                t('funk.replyto', { title: p.title }),
            ),
            replyText,
            replyButton,
        );
        replyForm.addEventListener('submit', (e) => {
            e.preventDefault();
            busy(replyButton, async () => {
                await post(`/api/posts/${p.id}/replies`, { body: replyText.value });
                replyText.value = ''; // the reply itself arrives through the live stream
            });
        });
        const box = h('details', { class: 'thread' }, h('summary', {}, count), replies, replyForm);
        box.addEventListener('toggle', async () => {
            if (!box.open || box.dataset.loaded) return;
            box.dataset.loaded = '1';
            const full = await get(`/api/posts/${p.id}`);
            for (const r of full.replies || []) {
                if (!replies.querySelector(`[data-reply="${r.id}"]`)) replies.append(replyItem(r));
            }
        });
        const card = h(
            'li',
            { class: 'card post', dataset: { post: p.id } },
            h('strong', {}, p.title),
            h('p', {}, p.body),
            h(
                'div',
                { class: 'muted' },
                p.author ? p.author.name : '',
                ' · ',
                formatTime(p.created_at),
            ),
            box,
        );
        cards.set(p.id, { card, count, replies, n: p.reply_count || 0 });
        return card;
    }

    form.addEventListener('submit', (e) => {
        e.preventDefault();
        busy(send, async () => {
            await post(`/api/funk/${channel}`, { title: title.value, body: text.value });
            title.value = '';
            text.value = '';
        });
    });

    const page = await get(`/api/funk/${channel}?limit=50`);
    list.replaceChildren(...page.posts.map(postCard));
    if (!page.posts.length) list.append(h('li', { class: 'muted empty' }, t('funk.none')));

    const stop = openEventStream(
        `/api/funk/${channel}/stream`,
        (ev) => {
            let data;
            try {
                data = JSON.parse(ev.data);
            } catch {
                return;
            }
            const p = data.post;
            if (!p) return;
            if (ev.event === 'post' && !cards.has(p.id)) {
                const empty = list.querySelector('.empty');
                if (empty) empty.remove();
                list.prepend(postCard(p));
            } else if (ev.event === 'reply' && cards.has(p.parent_id)) {
                const c = cards.get(p.parent_id);
                if (!c.replies.querySelector(`[data-reply="${p.id}"]`)) {
                    c.replies.append(replyItem(p));
                    c.n += 1;
                    c.count.textContent = t('funk.replies', { n: c.n });
                }
            }
        },
        (state) => {
            live.textContent = state === 'open' ? t('funk.live') : t('funk.offline');
            live.dataset.state = state;
        },
    );
    return stop;
}
