"""Layers with PyTorch's names and conventions (Module, Linear, ...) and
`tinygrad_dl.nn.functional`, the very module tinygrad_dl.functional under PyTorch's path
(`import tinygrad_dl.nn.functional as F`), registered as os.path is: one home, two names."""

import sys

from .. import functional
from . import init, utils
from .activation import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    Identity,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU6,
    RReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softmax2d,
    Softmin,
    Softplus,
    Softshrink,
    Softsign,
    Tanh,
    Tanhshrink,
    Threshold,
)
from .adaptive_softmax import AdaptiveLogSoftmaxWithLoss
from .attention import MultiheadAttention
from .batchnorm import BatchNorm1d
from .bilinear import Bilinear
from .containers import Container, ModuleDict, ModuleList, ParameterDict, ParameterList
from .conv1d import Conv1d
from .conv_transpose import ConvTranspose1d, ConvTranspose2d
from .dropout import AlphaDropout, Dropout, Dropout1d, Dropout2d, FeatureAlphaDropout
from .embedding import Embedding, EmbeddingBag
from .fractional_pool import FractionalMaxPool2d, FractionalMaxPool3d
from .layers import (
    INITS,
    REDUCTIONS,
    AvgPool2d,
    Conv2d,
    CrossEntropyLoss,
    Flatten,
    Linear,
    ReLU,
    Sequential,
    Unflatten,
    init_std,
    init_weights,
)
from .lazy import (
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    LazyConv1d,
    LazyConv2d,
    LazyConv3d,
    LazyConvTranspose1d,
    LazyConvTranspose2d,
    LazyConvTranspose3d,
    LazyInstanceNorm1d,
    LazyInstanceNorm2d,
    LazyInstanceNorm3d,
    LazyLinear,
)
from .linear_cross_entropy import LinearCrossEntropyLoss, LinearCrossEntropyOptions
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CosineSimilarity,
    CTCLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MSELoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    NLLLoss,
    NLLLoss2d,
    PairwiseDistance,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from .module import Buffer, Module, Parameter
from .normalization import (
    BatchNorm2d,
    CrossMapLRN2d,
    GroupNorm,
    InstanceNorm1d,
    InstanceNorm2d,
    LayerNorm,
    LocalResponseNorm,
    RMSNorm,
    SyncBatchNorm,
)
from .padding import (
    CircularPad1d,
    CircularPad2d,
    ConstantPad1d,
    ConstantPad2d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReplicationPad1d,
    ReplicationPad2d,
    ZeroPad1d,
    ZeroPad2d,
)
from .patches import ChannelShuffle, Fold, PixelShuffle, PixelUnshuffle, Unfold
from .pooling import (  # (MaxPool1d / MaxPool2d: torch's dilation, ceil_mode, return_indices)
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    LPPool1d,
    LPPool2d,
    MaxPool1d,
    MaxPool2d,
    MaxUnpool1d,
    MaxUnpool2d,
)
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .volumetric import (
    AdaptiveAvgPool3d,
    AdaptiveMaxPool3d,
    AvgPool3d,
    BatchNorm3d,
    CircularPad3d,
    ConstantPad3d,
    Conv3d,
    ConvTranspose3d,
    Dropout3d,
    InstanceNorm3d,
    LPPool3d,
    MaxPool3d,
    MaxUnpool3d,
    ReflectionPad3d,
    ReplicationPad3d,
    ZeroPad3d,
)

sys.modules[__name__ + ".functional"] = functional


__all__ = [
    "CTCLoss",
    "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "AvgPool3d", "BatchNorm3d", "CircularPad3d",
    "ConstantPad3d", "Conv3d", "ConvTranspose3d", "Dropout3d", "InstanceNorm3d", "LPPool3d",
    "MaxPool3d", "MaxUnpool3d", "ReflectionPad3d", "ReplicationPad3d", "ZeroPad3d",
    "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d",
    "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
    "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d",
    "ELU", "GELU", "INITS", "REDUCTIONS", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss",
    "BatchNorm1d", "BatchNorm2d", "LayerNorm",
    "Conv2d", "CrossEntropyLoss", "Dropout", "Embedding", "Flatten", "Identity", "L1Loss",
    "LeakyReLU",
    "Linear", "LogSoftmax", "MSELoss", "MaxPool2d", "Module", "ModuleDict", "ModuleList",
    "GRU", "GRUCell", "LSTM", "LSTMCell", "NLLLoss", "Parameter", "RNN", "RNNCell", "ReLU",
    "Sequential", "Buffer",
    "SiLU",
    "Sigmoid", "Softmax", "Softplus", "Tanh", "functional", "init", "init_std", "init_weights",
    "utils",
    "CELU", "GLU", "Hardsigmoid", "Hardswish", "Hardtanh", "LogSigmoid", "Mish", "PReLU",
    "ReLU6", "SELU", "Softmin", "Softsign", "Tanhshrink", "Threshold",
    "CosineSimilarity", "HuberLoss", "KLDivLoss", "PairwiseDistance", "SmoothL1Loss",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
    "AvgPool1d", "Conv1d", "Dropout1d", "Dropout2d", "GroupNorm", "InstanceNorm1d",
    "InstanceNorm2d", "MaxPool1d", "ParameterDict", "ParameterList", "Unflatten", "ZeroPad2d",
    "Upsample",
    "MultiheadAttention", "TransformerEncoder", "TransformerEncoderLayer",
    "Transformer", "TransformerDecoder", "TransformerDecoderLayer",
    "ConvTranspose1d", "ConvTranspose2d", "Fold", "PixelShuffle", "PixelUnshuffle", "Unfold",
    "Hardshrink", "Softshrink", "RMSNorm", "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d",
    "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "Bilinear",
    "MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
    "CosineEmbeddingLoss", "TripletMarginLoss", "MultiMarginLoss", "PoissonNLLLoss",
    "GaussianNLLLoss",
    "AlphaDropout", "ChannelShuffle", "CircularPad1d", "CircularPad2d", "FeatureAlphaDropout",
    "LocalResponseNorm", "LPPool1d", "LPPool2d", "MaxUnpool1d", "MaxUnpool2d",
    "MultiLabelMarginLoss", "RReLU", "Softmax2d", "TripletMarginWithDistanceLoss",
    "UpsamplingBilinear2d", "UpsamplingNearest2d", "ZeroPad1d", "EmbeddingBag", "LazyLinear",
    "AdaptiveLogSoftmaxWithLoss", "FractionalMaxPool2d", "FractionalMaxPool3d",
    "Container", "CrossMapLRN2d", "NLLLoss2d", "SyncBatchNorm", "RNNBase", "RNNCellBase",
    "LinearCrossEntropyLoss", "LinearCrossEntropyOptions",
]
