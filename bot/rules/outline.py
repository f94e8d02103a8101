"""The summary of an eligibility check as a text file: the answers, the result with its rules and
sources, the documents to prepare, and a project outline to fill in with the financing plan worked out."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.content import Content
from bot.i18n import Translator
from bot.rules.eligibility import Answers, Result, Verdict
from bot.rules.explain import DISCLAIMER, VERDICTS, answer_lines, documents_heading, largest_text, reason_text
from bot.rules.money import format_money


def summary(t: Translator, content: Content, answers: Answers, result: Result, zone: ZoneInfo) -> bytes:
    lines = [t("Eligibility check: summary"), "=" * 40, "", t("Your answers"), "-" * 20]
    lines += [f"{label}: {value}" for label, value in answer_lines(t, content, answers, zone)]
    lines += ["", t("Result"), "-" * 20]
    for key, finding in result.findings.items():
        lines += ["", content.programmes[key].name.in_(t.language), t(VERDICTS[finding.verdict])]
        for reason in finding.reasons:
            text, source = reason_text(t, content, key, reason, zone)
            lines += [f"- {text}", f"  ({source})"]
        if finding.largest is not None and finding.verdict is not Verdict.NOT_ELIGIBLE:
            lines.append(largest_text(t, content, finding))
        if finding.documents:
            lines.append(t(documents_heading(finding)))
            lines += [f"[ ] {document.text.in_(t.language)}" for document in finding.documents]
    lines += ["", t(DISCLAIMER), ""]
    lines += [t("Project outline"), "=" * 40]
    for field in (t("Title"), t("Goal"), t("Target group"), t("What happens, step by step"), t("Schedule"),
                  t("Who does it")):
        lines += ["", f"{field}:", "_" * 60]
    lines += ["", t("Financing plan"), "-" * 20]
    total, wanted, own = t("Total costs"), t("Amount wanted"), t("Own share")
    if answers.total is not None and answers.wanted is not None:
        rest = answers.total - answers.wanted
        share = round(rest / answers.total * 100)
        lines += [f"{total}: {format_money(answers.total, t.language)}",
                  f"{wanted}: {format_money(answers.wanted, t.language)}",
                  f"{own}: {format_money(rest, t.language)} ({share} %)"]
    else:
        lines += [f"{total}: ____", f"{wanted}: ____", f"{own}: ____"]
    lines += ["", t("Contact: {office}, {address}, {web}", office=content.contact.office.in_(t.language),
                    address=content.contact.address, web=content.contact.web)]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")
