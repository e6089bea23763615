from __future__ import annotations

from pathlib import PurePath

from django import forms

from tutor.coursefiles import MAX_FILE_BYTES, MAX_NAME_BYTES, MAX_ZIP_BYTES, mib


class CourseUploadForm(forms.Form):
    file = forms.FileField(
        label="Course file",
        help_text=(
            f"One course .yaml file of at most {mib(MAX_FILE_BYTES)}, or a .zip of a course "
            f"folder of at most {mib(MAX_ZIP_BYTES)}, with no file in it over "
            f"{mib(MAX_FILE_BYTES)}."
        ),
    )

    def clean_file(self) -> object:
        f = self.cleaned_data["file"]
        name = f.name.lower()
        if not name.endswith((".yaml", ".yml", ".zip")):
            raise forms.ValidationError("Upload a .yaml file or a .zip of a course folder.")
        # A .yaml is saved under its own name to be read (a zip's name never reaches the
        # disk); Django cuts names at 255 characters, which in UTF-8 can still be more
        # bytes than a file system takes.
        is_zip = name.endswith(".zip")
        if not is_zip and len(PurePath(f.name).name.encode("utf-8", "surrogateescape")) \
                > MAX_NAME_BYTES:
            raise forms.ValidationError("That file name is too long: rename the file.")
        limit = MAX_ZIP_BYTES if is_zip else MAX_FILE_BYTES
        if f.size > limit:
            raise forms.ValidationError(
                f"That file is too large: a {'.zip' if is_zip else '.yaml'} file may be "
                f"{mib(limit)} at most."
            )
        return f
