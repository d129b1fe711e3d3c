"""Documents: GB/T 9704-2012 公文 built from plain data, returned as .docx bytes (no Qt, no database).

- `gongwen`: the engine (`GongwenDocument`, `IssuingBody`, `DocNumber`), `styles`: the one place that defines
  fonts, sizes and spacing, `ooxml`: WordprocessingML details python-docx has no API for.
- `charts`: black-and-white-safe matplotlib charts as PNG bytes (matplotlib is imported on first use).
- Builders, each with its input dataclasses: `bulletin` (月度通报), `feedback` (考评情况反馈单), `interview`
  (约谈通知书, 约谈记录), `rectification` (整改台账); `content` holds shared data and JSON snapshots.
- `output.write_atomic` puts bytes in place without half-written files; `config` reads the issuing body and
  fonts from the settings.  PDFs are made in one place, `app.services.office`.

Nothing is imported here, so that importing one builder stays cheap.
"""
