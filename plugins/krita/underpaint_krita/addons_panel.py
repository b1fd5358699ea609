"""The "LoRAs, embeddings, VAE" section. LoRAs and embeddings go into the prompt as text, the way
A1111 and model sites write them (`<lora:ink:0.8>`, an embedding's name), so the prompt stays the
one place that says what a picture used and can be copied to any tool. The VAE is a choice per job.

The lists come from the daemon (ListModels) and show only what fits the chosen model
(underpaint_kit.addons); the daemon checks everything again when the job is submitted.
"""

from .qt import QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QWidget

NOTHING_FITS = "none installed for this model"


def _addon_label(addon):
    label = addon.display_name or addon.id
    if addon.is_demo and "random" not in label:
        label += " (random weights)"
    return label


def insert_text(edit, text):
    """Insert `text` at the cursor of a QPlainTextEdit, with a space on each side where the
    neighbouring character is not already one."""
    cursor = edit.textCursor()
    before = edit.toPlainText()[: cursor.position()]
    after = edit.toPlainText()[cursor.position():]
    if before and not before[-1].isspace():
        text = " " + text
    if after and not after[0].isspace() and after[0] not in ",":
        text = text + " "
    cursor.insertText(text)
    edit.setTextCursor(cursor)


class AddOnsPanel(QWidget):
    """Pickers that write into `prompt` / `negative` (QPlainTextEdits owned by the docker)."""

    def __init__(self, prompt, negative, parent=None):
        super().__init__(parent)
        self._prompt, self._negative = prompt, negative
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)

        self.lora = QComboBox()
        self.lora_weight = QDoubleSpinBox()
        self.lora_weight.setRange(-2.0, 2.0)
        self.lora_weight.setSingleStep(0.1)
        self.lora_weight.setValue(0.8)
        self.lora_weight.setToolTip("How strongly the LoRA acts (1 = as trained, negative = the opposite)")
        self.insert_lora = QPushButton("Insert")
        self.insert_lora.setToolTip("Adds <lora:NAME:WEIGHT> to the prompt at the cursor")
        row = QHBoxLayout()
        row.addWidget(self.lora, 1)
        row.addWidget(self.lora_weight)
        row.addWidget(self.insert_lora)
        form.addRow("LoRA", row)

        self.embedding = QComboBox()
        self.insert_embedding = QPushButton("Prompt")
        self.insert_embedding.setToolTip("Adds the embedding's word to the prompt at the cursor")
        self.insert_negative = QPushButton("Negative")
        self.insert_negative.setToolTip("Adds the embedding's word to the negative prompt")
        row = QHBoxLayout()
        row.addWidget(self.embedding, 1)
        row.addWidget(self.insert_embedding)
        row.addWidget(self.insert_negative)
        form.addRow("Embedding", row)

        self.vae = QComboBox()
        self.vae.setToolTip("The decoder that turns the result into pixels; most models bring their own")
        form.addRow("VAE", self.vae)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form.addRow(self.note)

        for combo in (self.lora, self.embedding, self.vae):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        self.insert_lora.clicked.connect(self._on_insert_lora)
        self.insert_embedding.clicked.connect(lambda: self._on_insert_embedding(self._prompt))
        self.insert_negative.clicked.connect(lambda: self._on_insert_embedding(self._negative))
        self.show_listing(None, "")

    def show_listing(self, listing, model_id):
        """Fill the pickers from a pb.ListModelsResponse for model `model_id` ("" = the daemon's
        default); None (not connected yet) empties them."""
        from underpaint_kit import addons

        wanted_vae = self.vae.currentData() or ""
        fits = {}
        for kind in addons.TYPES:
            try:
                fits[kind] = addons.addons_for_model(listing, model_id, kind) if listing is not None else []
            except ValueError:  # the model is not in this listing (a rescan removed it)
                fits[kind] = []
        for combo, kind in ((self.lora, "lora"), (self.embedding, "embedding")):
            combo.clear()
            for addon in fits[kind]:
                combo.addItem(_addon_label(addon), addon.id)
            if not fits[kind]:
                combo.addItem(NOTHING_FITS, "")
            combo.setEnabled(bool(fits[kind]))
        self.insert_lora.setEnabled(bool(fits["lora"]))
        self.insert_embedding.setEnabled(bool(fits["embedding"]))
        self.insert_negative.setEnabled(bool(fits["embedding"]))
        self.vae.clear()
        self.vae.addItem("the model's own", "")
        for addon in fits["vae"]:
            self.vae.addItem(_addon_label(addon), addon.id)
        self.vae.setCurrentIndex(max(self.vae.findData(wanted_vae), 0))
        if listing is None:
            self.note.setText("Connect to list the LoRAs, embeddings and VAEs installed with the daemon.")
        elif not any(fits.values()):
            self.note.setText("Put LoRAs in the daemon's models/loras, embeddings in models/embeddings and "
                              "VAEs in models/vae; they show here when they fit the chosen model.")
        else:
            self.note.setText("")

    def selected_vae(self):
        return self.vae.currentData() or ""

    def _on_insert_lora(self):
        from underpaint_kit import addons

        name = self.lora.currentData()
        if name:
            insert_text(self._prompt, addons.lora_tag(name, round(self.lora_weight.value(), 2)))
            self._prompt.setFocus()

    def _on_insert_embedding(self, edit):
        name = self.embedding.currentData()
        if name:
            insert_text(edit, name)
            edit.setFocus()
