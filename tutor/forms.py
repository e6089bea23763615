from __future__ import annotations

from django import forms

from tutor.coursefiles import MAX_ZIP_BYTES


class CourseUploadForm(forms.Form):
    file = forms.FileField(
        label="Course file",
        help_text="One course .yaml file, or a .zip of a course folder.",
    )

    def clean_file(self) -> object:
        f = self.cleaned_data["file"]
        name = f.name.lower()
        if not name.endswith((".yaml", ".yml", ".zip")):
            raise forms.ValidationError("Upload a .yaml file or a .zip of a course folder.")
        if f.size > MAX_ZIP_BYTES:
            raise forms.ValidationError("That file is too large (20 MiB at most).")
        return f
