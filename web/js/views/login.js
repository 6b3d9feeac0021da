// Logging in and registering. The session token goes to sessionStorage (api.js) and is gone
// when the tab closes. Registration offers the roles anyone may take: citizen, shop, volunteer.

import { login, post } from '../api.js';
import { t } from '../i18n.js';
import { busy, h, toast } from '../ui.js';

function landing(user) {
    if (user.roles.includes('volunteer')) return '#/deliver';
    if (user.roles.includes('shop')) return '#/myshop';
    return '#/';
}

export async function render(panel) {
    const email = h('input', {
        type: 'email',
        id: 'login-email',
        autocomplete: 'username',
        required: true,
    });
    const password = h('input', {
        type: 'password',
        id: 'login-password',
        autocomplete: 'current-password',
        required: true,
    });
    const submit = h('button', { type: 'submit', id: 'login-submit' }, t('login.submit'));
    const error = h('p', { class: 'error', role: 'alert' });
    const form = h(
        'form',
        { class: 'stack', id: 'login-form' },
        h('label', { for: email.id }, t('login.email')),
        email,
        h('label', { for: password.id }, t('login.password')),
        password,
        error,
        submit,
    );
    form.addEventListener('submit', (e) => {
        e.preventDefault();
        error.textContent = '';
        busy(submit, async () => {
            try {
                const user = await login(email.value, password.value);
                window.dispatchEvent(new Event('dorf:session'));
                window.location.hash = landing(user);
            } catch (err) {
                if (err.status === 401) error.textContent = t('login.failed');
                else throw err;
            }
        });
    });

    const rName = h('input', {
        id: 'reg-name',
        required: true,
        maxlength: 127,
        autocomplete: 'name',
    });
    const rEmail = h('input', {
        type: 'email',
        id: 'reg-email',
        required: true,
        autocomplete: 'email',
    });
    const rPassword = h('input', {
        type: 'password',
        id: 'reg-password',
        required: true,
        minlength: 10,
        autocomplete: 'new-password',
    });
    const roles = ['citizen', 'shop', 'volunteer'].map((r) =>
        h('input', {
            type: 'checkbox',
            name: 'role',
            value: r,
            id: `reg-${r}`,
            checked: r === 'citizen',
        }),
    );
    const rSubmit = h('button', { type: 'submit', id: 'reg-submit' }, t('register.submit'));
    const reg = h(
        'form',
        { class: 'stack', id: 'register-form' },
        h('label', { for: rName.id }, t('register.name')),
        rName,
        h('label', { for: rEmail.id }, t('login.email')),
        rEmail,
        h('label', { for: rPassword.id }, t('login.password')),
        rPassword,
        h(
            'fieldset',
            {},
            h('legend', {}, t('register.roles')),
            roles.map((cb) => h('label', { class: 'check' }, cb, ' ', t(`register.${cb.value}`))),
        ),
        rSubmit,
    );
    reg.addEventListener('submit', (e) => {
        e.preventDefault();
        busy(rSubmit, async () => {
            await post('/api/register', {
                name: rName.value,
                email: rEmail.value,
                password: rPassword.value,
                roles: roles.filter((cb) => cb.checked).map((cb) => cb.value),
            });
            const user = await login(rEmail.value, rPassword.value);
            toast(t('register.done'));
            window.dispatchEvent(new Event('dorf:session'));
            window.location.hash = landing(user);
        });
    });

    panel.append(h('h1', {}, t('login.title')), form, h('h2', {}, t('register.title')), reg);
}
