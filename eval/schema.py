"""Evaluation question format (``../shared/CONTRACT.md``, "Evaluation question")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

Category = Literal[
    "fact_number",
    "fact_text",
    "list",
    "footnote",
    "doubled_text",
    "plan_2024",
    "comparison",
    "unanswerable",
    "followup",
]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]


class EvalQuestion(BaseModel):
    id: str
    question: str
    history: list[str] = Field(default_factory=list)
    wards: list[str] = Field(default_factory=list)
    category: Category
    must_contain: list[str] = Field(default_factory=list)
    answerable: bool = True
    evidence: list[str] = Field(default_factory=list)
    source: list[str] = Field(default_factory=list)

    @field_validator("question")
    @classmethod
    def _non_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("question is empty")
        return v
