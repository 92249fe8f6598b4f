/work/main/tools/mock/build/itree.o: /work/main/tools/mock/src/itree.c \
 /work/main/tools/mock/src/itree.h
/work/main/tools/mock/src/itree.h:
