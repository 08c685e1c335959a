"""Public names of BigDL 2.4's Python modules (read from its source, tag v2.4.0), so the
re-exported module paths offer what BigDL's offer: names that bigdl_py implements resolve
to bigdl_py's objects, the rest fail on use with a message naming them (``_bigdl_paths``),
and BigDL's numeric constants."""
import sys

INTMAX = 2147483647
INTMIN = -2147483648
DOUBLEMAX = sys.float_info.max  # BigDL's 1.7976931348623157E308: "not set" (SGD dampening)

LAYER = (
    'Node', 'SharedStaticUtils', 'Layer', 'Container', 'Model', 'Attention',
    'FeedForwardNetwork', 'LayerNormalization', 'TableOperation', 'ExpandSize',
    'Transformer', 'Linear', 'SparseLinear', 'DenseToSparse', 'ReLU', 'Tanh', 'Sigmoid',
    'Echo', 'LogSoftMax', 'Sequential', 'TemporalConvolution', 'LocallyConnected1D',
    'BinaryTreeLSTM', 'LocallyConnected2D', 'SpatialConvolution', 'TemporalMaxPooling',
    'SpatialMaxPooling', 'Select', 'Recurrent', 'RecurrentDecoder', 'LSTM', 'LSTMPeephole',
    'Gemm', 'GRU', 'RnnCell', 'TimeDistributed', 'Concat', 'SpatialAveragePooling',
    'SpatialBatchNormalization', 'SpatialCrossMapLRN', 'SpatialDropout3D',
    'SpatialDropout2D', 'SpatialDropout1D', 'Dropout', 'GaussianDropout', 'GaussianNoise',
    'View', 'Abs', 'Add', 'AddConstant', 'BatchNormalization', 'BifurcateSplitTable',
    'Bilinear', 'Bottle', 'CAdd', 'CAddTable', 'CAveTable', 'CDivTable', 'CMaxTable',
    'CMinTable', 'CMul', 'CMulTable', 'CSubTable', 'Clamp', 'Contiguous', 'Cosine',
    'CosineDistance', 'CrossProduct', 'UpSampling2D', 'UpSampling1D', 'Input', 'DotProduct',
    'ELU', 'Euclidean', 'Exp', 'FlattenTable', 'GradientReversal', 'HardShrink', 'HardTanh',
    'Index', 'InferReshape', 'JoinTable', 'SparseJoinTable', 'L1Penalty',
    'NegativeEntropyPenalty', 'LeakyReLU', 'Log', 'LogSigmoid', 'LookupTable',
    'LookupTableSparse', 'MM', 'MV', 'MapTable', 'MaskedSelect', 'Max', 'Mean', 'Min',
    'MixtureTable', 'Mul', 'MulConstant', 'Narrow', 'NarrowTable', 'Normalize', 'PReLU',
    'Padding', 'PairwiseDistance', 'ParallelTable', 'Power', 'RReLU',
    'SpatialSeparableConvolution', 'ReLU6', 'SReLU', 'ActivityRegularization', 'Replicate',
    'RoiPooling', 'Scale', 'SelectTable', 'SequenceBeamSearch', 'SoftMax', 'SoftMin',
    'SoftPlus', 'SoftShrink', 'SoftSign', 'SpatialDilatedConvolution',
    'SpatialFullConvolution', 'VolumetricFullConvolution', 'SpatialShareConvolution',
    'VolumetricConvolution', 'VolumetricMaxPooling', 'VolumetricAveragePooling',
    'SpatialZeroPadding', 'SplitTable', 'Sqrt', 'Square', 'Squeeze', 'Sum', 'TanhShrink',
    'Threshold', 'Negative', 'Unsqueeze', 'Reshape', 'BiRecurrent', 'ConcatTable',
    'Identity', 'Reverse', 'Transpose', 'SpatialContrastiveNormalization',
    'SpatialConvolutionMap', 'SpatialDivisiveNormalization',
    'SpatialSubtractiveNormalization', 'SpatialWithinChannelLRN', 'Pack',
    'ConvLSTMPeephole', 'Tile', 'BinaryThreshold', 'ConvLSTMPeephole3D', 'MultiRNNCell',
    'ResizeBilinear', 'GaussianSampler', 'Masking', 'Maxout', 'HardSigmoid', 'Highway',
    'UpSampling3D', 'PriorBox', 'NormalizeScale', 'Proposal', 'DetectionOutputSSD',
    'DetectionOutputFrcnn', 'Cropping2D', 'Cropping3D', 'RoiAlign', 'Pooler', 'FPN',
    'JTensor', 'JavaValue', 'callBigDlFunc', 'callJavaFunc', 'get_spark_context', 'to_list',
    'INTMAX', 'INTMIN', 'DOUBLEMAX', 'get_activation_by_name', 'L1Regularizer',
    'L2Regularizer', 'L1L2Regularizer', 'JavaObject', 'RDD', 'ImageFrame', 'DataSet',
)

CRITERION = (
    'Criterion', 'ClassNLLCriterion', 'MSECriterion', 'AbsCriterion',
    'ClassSimplexCriterion', 'CosineDistanceCriterion', 'CosineEmbeddingCriterion',
    'DistKLDivCriterion', 'CategoricalCrossEntropy', 'HingeEmbeddingCriterion',
    'L1HingeEmbeddingCriterion', 'MarginCriterion', 'MarginRankingCriterion',
    'MultiCriterion', 'MultiLabelMarginCriterion', 'ParallelCriterion', 'KLDCriterion',
    'GaussianCriterion', 'SmoothL1Criterion', 'SmoothL1CriterionWithWeights',
    'SoftmaxWithCriterion', 'TimeDistributedMaskCriterion', 'TimeDistributedCriterion',
    'CrossEntropyCriterion', 'BCECriterion', 'MultiLabelSoftMarginCriterion',
    'MultiMarginCriterion', 'SoftMarginCriterion', 'DiceCoefficientCriterion', 'L1Cost',
    'CosineProximityCriterion', 'MeanAbsolutePercentageCriterion',
    'MeanSquaredLogarithmicCriterion', 'KullbackLeiblerDivergenceCriterion',
    'PoissonCriterion', 'TransformerCriterion', 'DotProductCriterion', 'PGCriterion',
    'JavaValue', 'callBigDlFunc', 'JTensor', 'Layer',
)

INITIALIZATION_METHOD = (
    'InitializationMethod', 'Zeros', 'Ones', 'RandomUniform', 'RandomNormal',
    'ConstInitMethod', 'Xavier', 'MsraFiller', 'BilinearFiller', 'JavaValue',
)

OPTIMIZER = (
    'Top1Accuracy', 'TreeNNAccuracy', 'Top5Accuracy', 'MeanAveragePrecision',
    'MeanAveragePrecisionObjectDetection', 'Loss', 'HitRatio', 'NDCG', 'MAE',
    'MaxIteration', 'MaxEpoch', 'EveryEpoch', 'SeveralIteration', 'MaxScore', 'MinLoss',
    'TriggerAnd', 'TriggerOr', 'Poly', 'Exponential', 'Step', 'Default', 'Plateau',
    'Warmup', 'SequentialSchedule', 'OptimMethod', 'SGD', 'Adagrad', 'LBFGS', 'Adadelta',
    'Adam', 'ParallelAdam', 'Ftrl', 'Adamax', 'RMSprop', 'MultiStep', 'BaseOptimizer',
    'Optimizer', 'DistriOptimizer', 'LocalOptimizer', 'TrainSummary', 'ValidationSummary',
    'L1L2Regularizer', 'ActivityRegularization', 'L1Regularizer', 'L2Regularizer', 'mkpath',
    'JavaObject', 'RDD', 'DOUBLEMAX', 'JTensor', 'JavaValue', 'callBigDlFunc',
    'callJavaFunc', 'get_node_and_core_number', 'init_engine', 'to_list',
)

COMMON = (
    'SingletonMixin', 'GatewayWrapper', 'JavaCreator', 'JavaValue', 'EvaluatedResult',
    'get_dtype', 'JActivity', 'JTensor', 'Sample', 'RNG', 'init_engine',
    'get_bigdl_engine_type', 'set_optimizer_version', 'get_optimizer_version',
    'init_executor_gateway', 'get_node_and_core_number', 'redire_spark_logs',
    'show_bigdl_info_logs', 'get_bigdl_conf', 'to_list', 'to_sample_rdd',
    'extend_spark_driver_cp', 'create_spark_conf', 'get_spark_context',
    'get_spark_sql_context', 'callBigDlFunc', 'callJavaFunc', 'create_tmp_path',
    'text_from_path', 'get_local_file', 'is_distributed', 'get_activation_by_name',
    'INTMAX', 'INTMIN', 'DOUBLEMAX', 'Py4JJavaError', 'JavaObject', 'ListConverter',
    'JavaArray', 'JavaList', 'JavaMap', 'MapConverter', 'JavaGateway', 'GatewayClient',
    'RDD', 'SparkContext', 'PickleSerializer', 'AutoBatchedSerializer', 'DataFrame',
    'SQLContext', 'SparkConf', 'SparkFiles', 'get_bigdl_classpath', 'is_spark_below_2_2',
)

NNCONTEXT = (
    'init_spark_on_local', 'init_spark_on_yarn', 'init_spark_on_yarn_cluster',
    'init_spark_standalone', 'init_spark_on_k8s', 'init_spark_on_k8s_cluster',
    'stop_spark_standalone', 'ZooContextMeta', 'ZooContext', 'init_nncontext',
    'init_internal_nncontext', 'getOrCreateSparkContext', 'get_analytics_zoo_conf',
    'init_env', 'init_spark_conf', 'check_version', 'load_conf', 'set_optimizer_version',
    'get_optimizer_version', 'callZooFunc', 'set_python_home',
)
