"""Op-table rows of the core neural-network functions (tinygrad_dl.functional, fused
primitives among them): cross_entropy, embedding, interpolate, the losses (nll, mse, l1,
binary cross-entropy, smooth l1, huber, kl_div), linear, layer_norm, cosine_similarity,
scaled_dot_product_attention, normalize, pairwise_distance, conv2d and the transposed
convolutions, unfold, fold, pixel_shuffle, max_pool2d, avg_pool2d, batch_norm, rnn."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import ops
from .refs import (
    bce_prob_ref,
    bce_ref,
    bn_call,
    bn_ref,
    case,
    ce_call,
    ce_ref,
    conv_transpose_ref,
    cosine_similarity_ref,
    fold_ref,
    huber_call,
    huber_ref,
    interpolate_ref,
    kl_div_ref,
    l1_call,
    l1_ref,
    layer_norm_call,
    layer_norm_ref,
    mse_ref,
    nll_call,
    nll_ref,
    normalize_ref,
    pairwise_distance_call,
    pairwise_distance_ref,
    pixel_shuffle_ref,
    pixel_unshuffle_ref,
    rnn_ref,
    sdpa_call,
    sdpa_ref,
    smooth_l1_call,
    smooth_l1_ref,
    unfold_ref,
)
from .spec import DISTINCT, NN, NONZERO, POSITIVE, Case, Cases, Domain, OpInfo

ROWS: tuple[OpInfo, ...] = (
    # ---- neural-network functions (fused primitives among them) --------------------------------
    OpInfo("cross_entropy", ops.CrossEntropy, "cross-entropy of logits (n, K) against class "
           "indices (n,) or one-hot / soft rows; PyTorch's weight, ignore_index, "
           "label_smoothing and (N, K, d1, ...) layout", NN, F=("cross_entropy",),
           function=F.cross_entropy, call=ce_call, ref=ce_ref,
           sample=Cases((case((4, 3)), case((3, 5), reduction="sum"),
                         case((2, 3), reduction="none"),
                         case((5, 3), weight=(0.5, 2.0, 1.0)),
                         case((5, 3), ignored=True, reduction="sum"),
                         case((6, 4), weight=(1.0, 0.3, 2.0, 0.7), ignored=True,
                              label_smoothing=0.2),
                         case((4, 3), label_smoothing=1.0, reduction="none"),
                         case((2, 3, 2, 2), weight=(1.0, 2.0, 0.5), ignored=True),
                         case((2, 3, 2), label_smoothing=0.1, reduction="none"))),
           grad="(softmax(z) sum_k c_k - c) / n, c_i = (1 - eps) w_t onehot(t) + eps/K w "
           "(0 where ignored); the mean's divisor sum of kept w_t"),
    # (GetItem, then LookupGradScale for padding_idx and scale_grad_by_freq; max_norm renorms
    # the rows read in place first, off the graph)
    OpInfo("embedding", (ops.GetItem, ops.LookupGradScale),
           "F.embedding: the rows of weight (num_embeddings, dim) at integer indices of any "
           "shape", NN, F=("embedding",),
           function=F.embedding,
           call=lambda w, index=(), **kw: F.embedding(np.array(index), w, **kw),
           ref=lambda w, index=(), **kw: w[np.array(index)],
           sample=Cases((case((5, 3), index=((0, 2), (4, 2))), case((4, 2), index=(1, 1, 3)),
                         case((3, 1), index=2),
                         # (indices named once each: the frequency scaling is 1, so the
                         # gradient is the derivative; repeated ones: tests against torch)
                         case((4, 2), index=(2, 0, 3), scale_grad_by_freq=True))),
           grad="scattered back into the rows looked up, duplicates adding up; padding_idx's "
           "row gets none; scale_grad_by_freq divides each row's by its count in the batch"),
    OpInfo("interpolate", "index_select, multiply and add (area: adaptive_avg_pool's sums)",
           "F.interpolate of (N, C, L), (N, C, H, W) or (N, C, D, H, W): modes nearest, "
           "nearest-exact, area, linear, bilinear, trilinear, bicubic (align_corners False or "
           "True)", NN,
           F=("interpolate",), function=F.interpolate,
           call=lambda x, **kw: F.interpolate(x, **kw), ref=interpolate_ref,
           sample=Cases((case((2, 3, 4), scale_factor=2), case((1, 2, 5), size=3),
                         case((2, 1, 3, 4), size=(5, 2)),
                         case((1, 2, 3, 3), scale_factor=2.5),
                         case((2, 2, 4), size=7, mode="linear"),
                         case((1, 1, 3, 4), size=(5, 7), mode="bilinear", align_corners=False),
                         case((1, 2, 4, 3), scale_factor=(0.5, 1.7), mode="bilinear"),
                         case((1, 1, 3, 4), size=(2, 6), mode="bilinear", align_corners=True),
                         case((1, 2, 5), size=7, mode="nearest-exact"),
                         case((1, 1, 3, 4), scale_factor=(1.7, 0.6), mode="nearest-exact"),
                         case((1, 1, 2, 3, 2), size=(3, 5, 4), mode="nearest"),
                         case((1, 2, 5, 4), size=(3, 3), mode="area"),
                         case((1, 1, 7), size=3, mode="area"),
                         case((1, 1, 3, 2, 4), size=(2, 3, 3), mode="area"),
                         case((1, 1, 3, 4), size=(5, 7), mode="bicubic"),
                         case((1, 2, 4, 3), scale_factor=(0.6, 1.7), mode="bicubic"),
                         case((1, 1, 3, 4), size=(4, 6), mode="bicubic", align_corners=True),
                         case((1, 1, 2, 3, 2), size=(3, 5, 4), mode="trilinear"),
                         case((1, 1, 3, 2, 3), size=(2, 4, 5), mode="trilinear",
                              align_corners=True))),
           grad="the ops': nearest scatters back to the source entries, (bi/tri)linear and "
           "bicubic by the weights, area by 1 / the bin's size"),
    OpInfo("nll_loss", ops.NLL, "PyTorch's negative log-likelihood of log-probabilities "
           "(n, K) against class indices (n,); weight, ignore_index, (N, K, d1, ...)", NN,
           F=("nll_loss",), function=F.nll_loss,
           call=nll_call, ref=nll_ref,
           sample=Cases((case((4, 3), domain=Domain(-4.0, -0.1)),
                         case((3, 5), domain=Domain(-4.0, -0.1), reduction="sum"),
                         case((2, 3), domain=Domain(-4.0, -0.1), reduction="none"),
                         case((5, 3), domain=Domain(-4.0, -0.1), weight=(0.5, 2.0, 1.0),
                              ignored=True),
                         case((2, 3, 2), domain=Domain(-4.0, -0.1), ignored=True,
                              reduction="none"))),
           grad="-w[t] at each row's target (/ the kept rows' sum of w[t] for the mean; 0 for "
           "an ignored row)",
           differs="input above 0 (logits, not log-probabilities) is refused; PyTorch takes it"),
    OpInfo("one_hot", "NumPy", "class indices (n,) -> one-hot rows (n, K), a NumPy array", NN,
           F=("one_hot",), function=F.one_hot, sample=None,
           no_grad="a NumPy array of constants", float32=False),
    OpInfo("linear", ops.Linear, "x W^T + b (PyTorch's F.linear; W is (out, in)), one op", NN,
           F=("linear",), function=F.linear, tensors=3,
           ref=lambda x, w, b: x @ w.T + b, sample=Cases((case((4, 3), (2, 3), (2,)),
                                                          case((2, 5, 3), (4, 3), (4,))))),
    OpInfo("mse_loss", "sub, square, mean", "(input - target)^2, reduced", NN,
           F=("mse_loss",), function=F.mse_loss, tensors=2, ref=mse_ref,
           sample=Cases((case((3, 2), (3, 2)), case((4,), (4,), reduction="sum"),
                         case((2, 2), (2, 2), reduction="none")))),
    OpInfo("l1_loss", "sub, abs, mean", "|input - target|, reduced", NN, F=("l1_loss",),
           function=F.l1_loss, tensors=2, call=l1_call, ref=l1_ref,
           sample=Cases((case((3, 2), (3, 2)), case((4,), (4,), reduction="sum"))),
           grad="0 where input = target (as abs)"),
    OpInfo("binary_cross_entropy_with_logits", ops.BCEWithLogits, "binary cross-entropy "
           "from logits and targets in [0, 1] (pos_weight=, weight=)", NN,
           F=("binary_cross_entropy_with_logits",),
           function=F.binary_cross_entropy_with_logits, tensors=2, ref=bce_ref,
           sample=Cases((case((3, 2), (3, 2), domain=Domain(0.05, 0.95)),
                         case((4,), (4,), domain=Domain(0.05, 0.95), reduction="sum")))),
    OpInfo("binary_cross_entropy", ops.BinaryCrossEntropy, "binary cross-entropy of "
           "probabilities in [0, 1] (refused outside; each log at least -100, as PyTorch's)", NN,
           F=("binary_cross_entropy",), function=F.binary_cross_entropy, tensors=2,
           ref=bce_prob_ref,
           # (p >= 0.1: at p = y = 0.055 the stencil's h^4 f^(5) / 30, f^(5) = 24 y / p^5, is
           # 1e-11 for a gradient of 0; the logs' results on the way floored it, not one op's)
           sample=Cases((case((3, 2), (3, 2), domain=Domain(0.1, 0.9)),
                         case((4,), (4,), domain=Domain(0.1, 0.9), reduction="sum"))),
           grad="PyTorch's (p - y)/max(p (1 - p), 1e-12) (-y/p + (1 - y)/(1 - p) away from 0 and "
           "1, finite at 0, 1 and subnormal p); y's: the clamped logs' difference"),
    OpInfo("layer_norm", "mean, sub, mul, sqrt, div composition", "PyTorch's layer "
           "normalization over the trailing dims normalized_shape, then weight and bias", NN,
           F=("layer_norm",), function=F.layer_norm, tensors=3, call=layer_norm_call,
           ref=layer_norm_ref,
           # (eps 1e-3: a row drawn near-constant, var << 1e-5, bends the output on a scale of
           # sqrt(eps), where h = 1e-4 differences miss by 1e-6: not a gradient error)
           sample=Cases((case((3, 4), (4,), (4,), eps=1e-3), case((2, 2, 3), (2, 3), (2, 3),
                                                                 eps=1e-3)))),
    OpInfo("smooth_l1_loss", ops.SmoothL1, "0.5 d^2 / beta where "
           "|d| < beta, else |d| - 0.5 beta (d = input - target; beta=1, 0: l1_loss), reduced",
           NN, F=("smooth_l1_loss",), function=F.smooth_l1_loss, tensors=2,
           call=smooth_l1_call, ref=smooth_l1_ref,
           sample=Cases((case((3, 2), (3, 2), domain=Domain(avoid=(-1.0, 0.0, 1.0))),
                         case((4,), (4,), domain=Domain(avoid=(-0.5, 0.0, 0.5)),
                              reduction="sum", beta=0.5),
                         case((2, 2), (2, 2), domain=Domain(avoid=(-2.0, 0.0, 2.0)),
                              reduction="none", beta=2.0))),
           grad="d / beta inside, sign(d) outside, continuous at |d| = beta; 0 at d = 0 (with "
           "beta = 0 too: l1_loss's); |d| = inf gives sign(d), no inf times 0"),
    OpInfo("huber_loss", ops.SmoothL1, "0.5 d^2 where |d| < delta, else "
           "delta (|d| - 0.5 delta) (delta=1 > 0): delta smooth_l1_loss(beta=delta); weight=, "
           "reduced", NN, F=("huber_loss",), function=F.huber_loss, tensors=2, call=huber_call,
           ref=huber_ref,
           sample=Cases((case((3, 2), (3, 2), domain=Domain(avoid=(-1.0, 0.0, 1.0))),
                         case((4,), (4,), domain=Domain(avoid=(-0.5, 0.0, 0.5)),
                              reduction="sum", delta=0.5),
                         case((2, 2), (2, 2), domain=Domain(avoid=(-2.0, 0.0, 2.0)),
                              reduction="none", delta=2.0))),
           grad="d inside, delta sign(d) outside, continuous at |d| = delta"),
    OpInfo("kl_div", ops.KLDiv, "target (log target - input) per element (log_target=: "
           "e^target (target - input)), input log-probabilities; reduced: mean over every "
           "element (PyTorch's default, which warns so), batchmean, sum, none", NN,
           F=("kl_div",), function=F.kl_div, tensors=2, ref=kl_div_ref,
           sample=Cases((case((3, 4), (3, 4), domain=POSITIVE, reduction="batchmean"),
                         case((4,), (4,), domain=POSITIVE, reduction="sum"),
                         case((2, 3), (2, 3), domain=POSITIVE, reduction="none"),
                         case((2, 3), (2, 3), reduction="sum", log_target=True))),
           grad="-target for the input; log target + 1 - input for the target (NaN at a zero "
           "target, PyTorch's: t log t has no finite derivative there); with log_target "
           "-e^target and e^target (target - input + 1)"),
    OpInfo("cosine_similarity", "norm, clamp, div, mul, sum composition", "x1 . x2 / "
           "(max(||x1||, eps) max(||x2||, eps)) along dim (dim=1, eps=1e-8), x1 and x2 "
           "broadcast", NN, torch=("cosine_similarity",), F=("cosine_similarity",),
           function=F.cosine_similarity, tensors=2, ref=cosine_similarity_ref,
           sample=Cases((case((3, 4), (3, 4), domain=NONZERO),
                         case((2, 3), (3,), domain=NONZERO, dim=1),
                         case((4,), (4,), domain=NONZERO, dim=0),
                         case((2, 1, 3), (4, 3), domain=NONZERO, dim=-1))),
           grad="each input through its own clamped norm; a norm below eps is clamped with "
           "gradient 0 through it (PyTorch clamps outside autograd: the same at a zero vector, "
           "where the norm's gradient is 0, not strictly between 0 and eps)"),
    OpInfo("scaled_dot_product_attention", "matmul, add, clamp, softmax and mul composition",
           "softmax(q kᵀ / sqrt(E) + mask) v for query (..., L, E), key (..., S, E), value "
           "(..., S, Ev), batch dimensions broadcast; a bool attn_mask (True: attend) or a "
           "float one added, is_causal, scale, dropout_p, enable_gqa", NN,
           F=("scaled_dot_product_attention",), function=F.scaled_dot_product_attention,
           tensors=3, call=sdpa_call, ref=sdpa_ref,
           sample=Cases((case((2, 3, 4), (2, 5, 4), (2, 5, 3)),
                         case((3, 4), (2, 5, 4), (5, 2), is_causal=True),
                         case((4, 2), (3, 2), (3, 3), is_causal=True, scale=0.5),
                         case((2, 4, 3, 2), (2, 2, 5, 2), (2, 2, 5, 3), enable_gqa=True),
                         case((3, 2), (4, 2), (4, 3), mask=((True, False, True, True),
                                                            (False, False, False, False),
                                                            (False, True, False, True))))),
           grad="the composition's; a query row whose every key is masked gets zero weights "
           "and no gradient (torch 2.13's value, not softmax's NaN)"),
    OpInfo("normalize", "vector norm, clamp, div composition", "x / max(||x||_p, eps) along "
           "dim (p=2 (any, inf too), dim=1, eps=1e-12)", NN, F=("normalize",),
           function=F.normalize, ref=normalize_ref,
           sample=Cases((case((3, 4), domain=NONZERO),
                         case((2, 3), domain=NONZERO, p=1.0, dim=0),
                         case((4,), domain=NONZERO, dim=0, p=3.0),
                         case((2, 2, 3), domain=NONZERO, p=0.5, dim=-1))),
           grad="the norm's (PyTorch's vector norm's), 0 through it below eps"),
    OpInfo("pairwise_distance", ops.VectorNorm, "||x1 - x2 + eps||_p along the last dim (p=2 "
           "(any, inf too), eps=1e-6, keepdim=False)", NN, torch=("pairwise_distance",),
           F=("pairwise_distance",), function=F.pairwise_distance, tensors=2,
           call=pairwise_distance_call, ref=pairwise_distance_ref,
           sample=Cases((case((3, 4), (3, 4), domain=NONZERO),
                         case((2, 3), (3,), domain=NONZERO, p=1.0),
                         case((4,), (4,), domain=NONZERO, p=3.0, keepdim=True),
                         case((2, 3), (2, 3), domain=NONZERO, p=0.5))),
           grad="PyTorch's vector norm's: sign(d) for p = 1, d |d|^(p-2) / norm^(p-1), 0 "
           "at a zero norm; the entries at the max share it for p = inf"),
    OpInfo("conv2d", ops.Conv2d, "2-D cross-correlation, NCHW (im2col + one matrix product)",
           NN, F=("conv2d",), function=F.conv2d, tensors=3,
           sample=Cases((case((2, 2, 3, 3), (2, 2, 2, 2), (2,), padding=1),
                         case((1, 1, 5, 5), (2, 1, 3, 3), (2,), stride=2)))),
    OpInfo("conv_transpose2d", ops.ConvTranspose2d, "2-D transposed convolution, NCHW: "
           "conv2d's input gradient (col2im of W^T x)", NN, F=("conv_transpose2d",),
           function=F.conv_transpose2d, tensors=3, ref=conv_transpose_ref,
           sample=Cases((case((2, 2, 3, 3), (2, 3, 2, 2), (3,)),
                         case((1, 4, 2, 3), (4, 1, 3, 2), (2,), stride=2, padding=1,
                              output_padding=1, groups=2),
                         case((1, 2, 3, 2), (2, 2, 2, 3), stride=(2, 1), padding=(0, 1),
                              dilation=(1, 2)),
                         case((2, 1, 2, 2), (1, 2, 2, 2), (2,), stride=3, output_padding=2),
                         case((1, 2, 2, 3), (2, 1, 3, 3), dilation=2, output_padding=1))),
           grad="conv2d's forward: im2col of g, then W cols for x and x cols^T for W"),
    OpInfo("conv_transpose1d", ops.ConvTranspose2d, "1-D transposed convolution, (N, C, L): "
           "conv_transpose2d over a height of 1", NN, F=("conv_transpose1d",),
           function=F.conv_transpose1d, tensors=3, ref=conv_transpose_ref,
           sample=Cases((case((2, 2, 4), (2, 3, 3), (3,), stride=2, padding=1,
                              output_padding=1),
                         case((1, 4, 3), (4, 1, 2), groups=2, dilation=2))),
           grad="conv_transpose2d's"),
    OpInfo("unfold", ops.Unfold, "sliding blocks of an NCHW image as columns (N, C*KH*KW, L): "
           "conv2d's im2col", NN, F=("unfold",), function=F.unfold, ref=unfold_ref,
           sample=Cases((case((2, 2, 4, 5), kernel_size=(2, 3)),
                         case((1, 1, 5, 5), kernel_size=3, stride=2, padding=1),
                         case((1, 2, 5, 4), kernel_size=2, dilation=2, padding=(1, 0)))),
           grad="col2im: each block's gradient added back where it was read"),
    OpInfo("fold", ops.Fold, "columns of sliding blocks (N, C*KH*KW, L) added into an NCHW "
           "image: col2im, unfold's adjoint", NN, F=("fold",), function=F.fold, ref=fold_ref,
           sample=Cases((case((2, 12, 9), output_size=(4, 5), kernel_size=(2, 3)),
                         case((1, 9, 9), output_size=5, kernel_size=3, stride=2, padding=1),
                         case((1, 8, 10), output_size=(5, 4), kernel_size=2, dilation=2,
                              padding=(1, 0)))),
           grad="im2col: the gradient read back at each block"),
    OpInfo("pixel_shuffle", "reshape, permute, reshape", "(*, C r^2, H, W) -> (*, C, H r, W r)",
           NN, F=("pixel_shuffle",), function=F.pixel_shuffle, ref=pixel_shuffle_ref,
           sample=Cases((case((2, 8, 2, 3), upscale_factor=2), case((1, 9, 1, 2), upscale_factor=3),
                         case((2, 1, 4, 2, 2), upscale_factor=2))),
           grad="the inverse rearrangement"),
    OpInfo("pixel_unshuffle", "reshape, permute, reshape", "(*, C, H r, W r) -> (*, C r^2, H, "
           "W): pixel_shuffle's inverse", NN, F=("pixel_unshuffle",), function=F.pixel_unshuffle,
           ref=pixel_unshuffle_ref,
           sample=Cases((case((2, 2, 4, 6), downscale_factor=2),
                         case((1, 1, 3, 6), downscale_factor=3),
                         case((2, 1, 1, 4, 2), downscale_factor=2))),
           grad="the inverse rearrangement"),
    OpInfo("max_pool2d", ops.MaxPool2d, "max over windows (NCHW)", NN, F=("max_pool2d",),
           function=F.max_pool2d, sample=Cases((case((1, 2, 4, 4), domain=DISTINCT),
                                                case((1, 1, 5, 5), domain=DISTINCT, kernel=3,
                                                   stride=2, padding=1))),
           grad="to the first maximum of each window"),
    OpInfo("avg_pool2d", ops.AvgPool2d, "mean over windows (NCHW)", NN, F=("avg_pool2d",),
           function=F.avg_pool2d, sample=Cases((case((1, 2, 4, 4)), case((1, 1, 4, 4), kernel=3,
                                                                      stride=1, padding=1)))),
    OpInfo("batch_norm", ops.BatchNorm, "gamma (x - mean) / sqrt(var + eps) + beta over the "
           "rows (one fused node)", NN, F=("batch_norm",), function=F.batch_norm, tensors=3,
           call=bn_call, ref=bn_ref, sample=Cases((case((5, 3), (3,), (3,)),)),
           grad="the course's BatchNormBackPass"),
    OpInfo("rnn", ops.RNN, "all hidden states of h_t = tanh(x_t U + h_{t-1} W + b) (one "
           "fused node)", NN, own=("rnn",), F=("rnn",), function=F.rnn, tensors=4,
           ref=rnn_ref, sample=Cases((Case(((4, 3), (3, 2), (2, 2), (2,)), {},
                                            Domain(-1.0, 1.0)),)),
           grad="hand-written backprop through time"),
    OpInfo("sum_of_squares", ops.SumOfSquares, "scale * sum of x^2 over all the tensors (one "
           "node: the L2 penalty)", NN, F=("sum_of_squares",), function=F.sum_of_squares,
           tensors=2, ref=lambda *a, scale=1.0: scale * sum((x**2).sum() for x in a),
           sample=Cases((case((2, 3), (3,), scale=0.5),)), grad="2 scale x"),
)
