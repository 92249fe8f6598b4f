/work/main/tools/mock/build/umem.o: /work/main/tools/mock/src/umem.c \
 /work/main/tools/mock/src/mock.h
/work/main/tools/mock/src/mock.h:
