"""Signed archives (#24): PAdES signatures with pyHanko — the office's key, an RFC 3161
timestamp, validation data where it can be had — and their validation against the
configured trust roots. docs/archives.md says what is signed, by whom, and how anyone
checks it without trusting this server.

Where the key comes from (``settings.LINLI_SIGNING``): production names a PKCS#12 file,
its passphrase, a timestamp authority URL and the trust roots; development and tests use
the local PKI of ``core.pki`` (made on first use) and its timestamp authority answering
in-process (pyHanko's ``DummyTimeStamper``), so nothing reaches the network.

The levels (PAdES baseline, ETSI EN 319 142-1): ``B-LT`` (timestamped, validation data
embedded), ``B-T`` (timestamped), ``B-B`` (signed only). Whenever signing falls short of
the level asked for, it says so in the log and on the record.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import tempfile
from dataclasses import dataclass, replace
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings

from core import pki
from core.exceptions import ServiceError

logger = logging.getLogger(__name__)

FIELD_NAME = "LinliOfficeSeal"
# The anchor the PDF frame reserves for the visible signature (templates/core/pdf/
# _seal_field.html) and its size in points (80 × 26 mm, as static/css/pdf.css draws it).
ANCHOR = "linli-signature"
FIELD_SIZE = (226.8, 73.7)
CST = ZoneInfo("Asia/Shanghai")
LEVEL_LT, LEVEL_T, LEVEL_B = "B-LT", "B-T", "B-B"
# Bytes reserved for the signature container per level (written as hex: twice that in the
# file). Measured with the development PKI (B-B ~2 KB, B-T ~5 KB, B-LT ~9 KB) plus room
# for a real chain of longer RSA certificates.
RESERVED = {LEVEL_B: 6144, LEVEL_T: 12288, LEVEL_LT: 32768}
STAMP_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
STAMP_FONT_FACE = "NotoSansCJKsc-Regular"


class SigningUnavailable(ServiceError):
    """No signing key is configured (or it cannot be read)."""


@dataclass(frozen=True)
class Credentials:
    signer: object  # pyhanko SimpleSigner
    timestamper: object | None  # pyhanko TimeStamper
    trust_roots: tuple  # asn1crypto x509.Certificate
    fetch_revocation: bool
    source: str  # "environment" or "development PKI <dir>"


def _config_key() -> tuple:
    conf = settings.LINLI_SIGNING
    return (
        conf["P12"],
        conf["PASSPHRASE"],
        conf["TSA_URL"],
        tuple(conf["TRUST_ROOTS"]),
        conf["FETCH_REVOCATION"],
        conf["DEV_PKI"],
    )


def credentials() -> Credentials:
    """The configured signer, timestamper and trust roots (loaded once per configuration)."""
    return _load(_config_key())


def configured() -> bool:
    """Whether archives can be signed here (a key in the environment, or a dev PKI)."""
    conf = settings.LINLI_SIGNING
    return bool(conf["P12"] or conf["DEV_PKI"])


@functools.lru_cache(maxsize=4)
def _load(key: tuple) -> Credentials:
    from asn1crypto import keys as asn1_keys
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.sign import signers
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    p12, passphrase, tsa_url, roots, fetch, dev_dir = key
    if p12:
        source = "environment"
        root_files = list(roots)
    elif dev_dir:
        directory = pki.ensure(Path(dev_dir))
        source = f"development PKI {directory}"
        p12 = str(directory / pki.OFFICE_P12)
        passphrase = (directory / pki.PASSPHRASE).read_text().strip()
        root_files = list(roots) or [str(directory / pki.CA_CERT)]
    else:
        raise SigningUnavailable(
            "No signing key: set LINLI_SIGNING_P12 and LINLI_SIGNING_PASSPHRASE (docs/archives.md)."
        )
    try:
        signer = signers.SimpleSigner.load_pkcs12(
            pfx_file=p12, passphrase=(passphrase or "").encode() or None
        )
    except Exception as exc:  # pyHanko raises several kinds for a bad file or passphrase
        raise SigningUnavailable(f"The signing key {p12} cannot be read: {exc}") from exc
    if signer is None:
        raise SigningUnavailable(
            f"The signing key {p12} cannot be read (wrong LINLI_SIGNING_PASSPHRASE?)."
        )
    trust_roots = tuple(load_cert_from_pemder(path) for path in root_files)
    if tsa_url:
        timestamper = HTTPTimeStamper(tsa_url, timeout=10)
    elif dev_dir and source.startswith("development"):
        directory = Path(dev_dir)
        tsa_key = asn1_keys.PrivateKeyInfo.load(_pem_body((directory / pki.TSA_KEY).read_bytes()))
        timestamper = DummyTimeStamper(
            tsa_cert=load_cert_from_pemder(str(directory / pki.TSA_CERT)),
            tsa_key=tsa_key,
            certs_to_embed=list(trust_roots),
        )
    else:
        timestamper = None
    return Credentials(signer, timestamper, trust_roots, bool(fetch), source)


def _pem_body(data: bytes) -> bytes:
    from asn1crypto import pem

    if pem.detect(data):
        _, _, der = pem.unarmor(data)
        return der
    return data


def reset() -> None:
    """Forget loaded credentials (tests that swap the key)."""
    _load.cache_clear()


# ------------------------------------------------------------------ the stamp font


def stamp_charset() -> str:
    """The characters the stamp can print: ASCII, CJK punctuation, full-width forms and
    the 6,763 hanzi of GB 2312 (names outside it print from the PDF's text, not the stamp;
    a missing glyph shows as a blank, never an error)."""
    hanzi = []
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                hanzi.append(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    punctuation = "".join(chr(c) for c in range(0x3000, 0x3040))
    fullwidth = "".join(chr(c) for c in range(0xFF01, 0xFF5F))
    ascii_ = "".join(chr(c) for c in range(0x20, 0x7F))
    return ascii_ + punctuation + fullwidth + "·—…“”‘’" + "".join(hanzi)


@functools.cache
def stamp_font() -> str:
    """The stamp's font: the Simplified Chinese face of the Noto CJK collection, cut to
    ``stamp_charset()`` as one small OpenType file. pyHanko reads one font (not a
    collection) and parses it whole at every signature: the full face (65,535 glyphs)
    costs ~2 s a signature, the cut one a fraction. Made once into var/ (atomically)."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    target = Path(settings.BASE_DIR) / "var" / "fonts" / f"{STAMP_FONT_FACE}-stamp.otf"
    if target.is_file():
        return str(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for font in TTCollection(STAMP_FONT).fonts:
        if font["name"].getDebugName(6) != STAMP_FONT_FACE:
            continue
        options = subset.Options()
        options.layout_features = []
        options.hinting = False
        options.name_IDs = ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=stamp_charset())
        subsetter.subset(font)
        handle, tmp = tempfile.mkstemp(dir=target.parent, suffix=".otf")
        os.close(handle)
        font.save(tmp)
        os.replace(tmp, target)
        return str(target)
    raise SigningUnavailable(f"{STAMP_FONT} has no face {STAMP_FONT_FACE}.")


# ------------------------------------------------------------------ signing


@dataclass(frozen=True)
class Signed:
    content: bytes
    level: str
    signed_at: dt.datetime
    signer: str  # the certificate's subject, as a reader of the PDF sees it
    note: str = ""  # why the level is lower than asked


def _reserved_box(reader) -> tuple[int, tuple[float, float, float, float]]:
    """The page index and box of the visible signature: where the frame reserved it
    (a named destination ``linli-signature``), else the bottom right of the last page."""
    from pyhanko.pdf_utils import generic

    pages = []  # (object number, page dictionary), in order

    def walk(node):
        kids = node.get_object()["/Kids"]
        for i in range(len(kids)):
            ref = kids.raw_get(i)
            kid = ref.get_object()
            if kid.get("/Type") == "/Pages":
                walk(kid)
            else:
                pages.append((getattr(ref, "idnum", None), kid))

    walk(reader.root["/Pages"])
    try:
        found = _name_tree_lookup(reader.root["/Names"]["/Dests"], ANCHOR)
    except (KeyError, TypeError):
        found = None
    width, height = FIELD_SIZE
    if found is not None:
        dest = found.get_object()
        if isinstance(dest, generic.DictionaryObject):
            dest = dest["/D"]
        target = getattr(dest.raw_get(0), "idnum", None)
        index = next((i for i, (num, _) in enumerate(pages) if num == target), len(pages) - 1)
        x, y = float(dest[2]), float(dest[3])
        return index, (int(x), int(y - height), int(x + width), int(y))
    media = pages[-1][1]["/MediaBox"]
    right = float(media[2]) - 56
    return len(pages) - 1, (int(right - width), 40, int(right), int(40 + height))


def _name_tree_lookup(node, name: str):
    node = node.get_object()
    if "/Names" in node:
        items = node["/Names"]
        for i in range(0, len(items), 2):
            if str(items[i]) == name:
                return items[i + 1]
    for kid in node.get("/Kids", ()):
        found = _name_tree_lookup(kid, name)
        if found is not None:
            return found
    return None


def _escape(text: str) -> str:
    return text.replace("%", "%%")


def sign_pdf(
    content: bytes, *, stamp_lines: list[str], reason: str = "", best: str = LEVEL_LT
) -> Signed:
    """``content`` signed by the office's key with a visible stamp of ``stamp_lines`` (in
    the reserved box on the last page), timestamped, with validation data when it can be
    had — trying ``best`` first, then each lower level, logging every downgrade. Raises
    ``SigningUnavailable`` when no key is configured or no level can be reached."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.stamp import TextStampStyle
    from pyhanko_certvalidator import ValidationContext

    creds = credentials()
    signed_at = dt.datetime.now(dt.UTC)
    lines = [*stamp_lines]
    note = ""

    def attempt(level: str) -> bytes:
        writer = IncrementalPdfFileWriter(BytesIO(content), strict=False)
        page, box = _reserved_box(writer.prev)
        style = TextStampStyle(
            stamp_text=_escape("\n".join(lines)),
            text_box_style=TextBoxStyle(font=_font_factory(), font_size=8, leading=11),
            border_width=1,
            background=None,
        )
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=SigSeedSubFilter.PADES,
            reason=reason or None,
            location="CN",
            embed_validation_info=level == LEVEL_LT,
            validation_context=(
                ValidationContext(
                    trust_roots=list(creds.trust_roots),
                    allow_fetching=creds.fetch_revocation,
                )
                if level == LEVEL_LT
                else None
            ),
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=creds.signer,
            timestamper=creds.timestamper if level != LEVEL_B else None,
            stamp_style=style,
            new_field_spec=fields.SigFieldSpec(FIELD_NAME, on_page=page, box=box),
        )
        out = BytesIO()
        try:
            # Room for the signature reserved up front, so pyHanko does not sign a dry run
            # to measure it (half the time); too little room → measured after all.
            pdf_signer.sign_pdf(writer, output=out, bytes_reserved=RESERVED[level])
        except Exception as exc:
            if "reserved" not in str(exc).lower() and "too small" not in str(exc).lower():
                raise
            logger.info("signature larger than reserved (%s); measuring", level)
            writer = IncrementalPdfFileWriter(BytesIO(content), strict=False)
            out = BytesIO()
            pdf_signer.sign_pdf(writer, output=out)
        return out.getvalue()

    order = [LEVEL_LT, LEVEL_T, LEVEL_B]
    levels = order[order.index(best) :] if creds.timestamper is not None else [LEVEL_B]
    if creds.timestamper is None:
        note = "no timestamp authority configured (LINLI_TSA_URL)"
        logger.warning("Archive signed without a timestamp: %s", note)
    last_error = None
    for level in levels:
        try:
            signed = attempt(level)
        except SigningUnavailable:
            raise
        except Exception as exc:  # the TSA or revocation sources unreachable, mostly
            last_error = exc
            note = f"{level} not reached: {exc}"[:300]
            logger.warning("Archive signing downgraded: %s", note)
            continue
        return Signed(signed, level, signed_at, _subject(creds), note)
    raise SigningUnavailable(f"The archive could not be signed: {last_error}")


@functools.cache
def _font_factory():
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

    return GlyphAccumulatorFactory(stamp_font(), font_size=8)


def _subject(creds: Credentials) -> str:
    return common_name(creds.signer.signing_cert)


def common_name(cert) -> str:
    """Who a certificate names: its common name (else its whole subject)."""
    if cert is None:
        return ""
    return cert.subject.native.get("common_name") or cert.subject.human_friendly


def office_name() -> str:
    """The office that signs: the certificate's own name (its common name)."""
    return common_name(credentials().signer.signing_cert)


def cst(moment: dt.datetime) -> str:
    """A moment as the stamp prints it: China Standard Time, to the minute, named as the
    documents' own signature table names it (北京时间)."""
    return moment.astimezone(CST).strftime("%Y-%m-%d %H:%M") + "（北京时间）"


# ------------------------------------------------------------------ validation

INTACT, ALTERED, INVALID, UNSIGNED = "intact", "altered", "invalid", "unsigned"


@dataclass(frozen=True)
class Verdict:
    """What a PDF's signature says: ``intact`` (signed by a trusted key, unchanged since,
    timestamped when ``timestamped``), ``altered`` (changed after signing), ``invalid``
    (a signature that does not verify or not chain to our roots), ``unsigned``."""

    status: str
    signer: str = ""
    signed_at: dt.datetime | None = None
    timestamped: bool = False
    detail: str = ""
    ours: bool = False  # one of its signatures was made with the office's certificate

    @property
    def ok(self) -> bool:
        return self.status == INTACT


def validate(content: bytes) -> Verdict:
    """Validate every signature of ``content`` against the configured trust roots."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko_certvalidator import ValidationContext

    creds = credentials()
    # Anything may be uploaded to the public page: pyHanko raises many kinds of error on
    # a malformed file, and every one of them means "not a valid signed PDF".
    try:
        reader = PdfFileReader(BytesIO(content), strict=False)
        signatures = reader.embedded_signatures
        office = creds.signer.signing_cert.dump()
        ours = any(
            sig.signer_cert is not None and sig.signer_cert.dump() == office for sig in signatures
        )
    except Exception as exc:
        return Verdict(ALTERED, detail=f"not a readable PDF: {exc}"[:300])
    if not signatures:
        return Verdict(UNSIGNED, detail="no signature")
    context = ValidationContext(trust_roots=list(creds.trust_roots), allow_fetching=False)
    verdict = None
    for sig in signatures:
        verdict = _one(sig, context)
        if verdict.status != INTACT:
            break
    return replace(verdict, ours=ours)


def _one(sig, context) -> Verdict:
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    try:
        status = validate_pdf_signature(
            sig, signer_validation_context=context, ts_validation_context=context
        )
    except (SignatureValidationError, PdfReadError, ValueError, KeyError) as exc:
        return Verdict(ALTERED, detail=str(exc)[:300])
    except Exception as exc:
        logger.info("signature validation failed on a malformed signature: %s", exc)
        return Verdict(ALTERED, detail=f"malformed signature: {exc}"[:300])
    signer = common_name(status.signing_cert)
    when = None
    if status.timestamp_validity is not None:
        when = status.timestamp_validity.timestamp
    when = when or status.signer_reported_dt
    if not status.intact:
        return Verdict(ALTERED, signer, when, detail="the signed bytes changed")
    if not status.valid or not status.trusted:
        return Verdict(INVALID, signer, when, detail=f"not trusted: {status.summary()}"[:300])
    if status.timestamp_validity is not None and not (
        status.timestamp_validity.intact
        and status.timestamp_validity.valid
        and status.timestamp_validity.trusted
    ):
        return Verdict(INVALID, signer, when, detail="the timestamp does not verify")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE and not status.docmdp_ok:
        return Verdict(
            ALTERED, signer, when, detail=f"changed after signing: {status.summary()}"[:300]
        )
    return Verdict(INTACT, signer, when, timestamped=status.timestamp_validity is not None)
