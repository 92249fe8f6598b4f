/work/main/tools/mock/build/iommufd.o: \
 /work/main/tools/mock/src/iommufd.c \
 /root/.cache/iommufd-harness/src/linux-source-6.12/drivers/iommu/iommufd/iommufd_test.h \
 /work/main/tools/mock/src/itree.h /work/main/tools/mock/src/mock.h
/root/.cache/iommufd-harness/src/linux-source-6.12/drivers/iommu/iommufd/iommufd_test.h:
/work/main/tools/mock/src/itree.h:
/work/main/tools/mock/src/mock.h:
