"""Training of lumos' own networks (the ``train`` extra: torch==2.13.0, onnx).

The only package that imports torch at module level. Layout follows the
networks / data / loop / export split:

* :mod:`.archs`   - the networks (plain ``nn.Module`` classes);
* :mod:`.dataset` - synthetic pairs from clean images plus real LOL pairs;
* :mod:`.loop`    - the training loop from a :class:`~.loop.TrainConfig`, with
  checkpoints, EMA weights and a CSV log;
* :mod:`.export`  - ONNX export with dynamic sizes and a torch-vs-ORT parity check.

LumosDN, the denoiser that finishes LumosNet, has the same split in
:mod:`.dn_arch`, :mod:`.dn_data` and :mod:`.dn` (loop, export, CLI); LumosSR,
the upscaler, in :mod:`.sr_arch`, :mod:`.sr_data` and :mod:`.sr`; LumosNE, the
learned noise reading, in :mod:`.ne_arch`, :mod:`.ne_data` and :mod:`.ne`.

Run ``python -m lumos.train --help`` (``lumos.train.dn``, ``.ne``, ``.sr``).
"""
