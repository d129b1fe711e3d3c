"""The demo county: generated data to try the app on, kept apart from the domain services.

`app.demo.county` builds it (`build_demo`, its register steps and the extension mechanism); the other modules add
their feature's steps (组织生活 `orglife`, 考评 `scores`, 通报 and 约谈 `documents`, 年度 `annual`, the audit trail
`trail`) and `data` holds the raw names.  The demo sits above the services: it builds its data through them and
through bulk inserts, and nothing below the UI and the CLI imports it."""
